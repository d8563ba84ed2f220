"""Traffic statistics: reading per-site traffic figures and grading them by quintile within the round.

The 2010 study gave each site a traffic grade relative to the other surveyed sites: the most used 20% got 5,
the least used 20% got 1 (its section 4.2.1). A figure is either monthly visits from a site's analytics
(more is more traffic) or a rank in a research top-sites list such as Tranco (a lower rank is more traffic).
Grades use one metric for all sites of a round, since visits and ranks cannot be mixed. Sites without a figure
get no grade (never a guessed one) and do not count in the quintiles.

Quintiles by position: sites are ordered from most to least used; tied figures share the mean of the places
they occupy; a site at mean place p of n falls at the fraction q = (p - 0.5) / n of the list and gets grade
5 - floor(5q). So 20 sites give exactly four of each grade, tied sites always share a grade, and a round
where every figure is equal (or with a single figure) puts everyone in the middle grade, 3.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from rubric.yamlfile import InputError, Problem

# metric id -> (whether a larger number means more traffic, what it is)
METRICS: dict[str, tuple[bool, str]] = {
    "monthly-visits": (True, "visits per month from the site's analytics"),
    "rank": (False, "rank in a top-sites list (1 = most visited)"),
}
COLUMNS = ("site_id", "value", "source", "period", "note")
REQUIRED = ("site_id", "value")
_THOUSANDS = re.compile(r"[\s\u00a0\u202f,_']")


@dataclass(frozen=True)
class Figure:
    """One site's traffic figure as read from a file (value None: the file says there is no figure)."""

    row: int
    site_id: str
    value: float | None
    source: str = ""
    period: str = ""
    note: str = ""


@dataclass(frozen=True)
class QuintileGrade:
    level: int | None
    place: float | None  # mean place among the sites with a figure, 1 = most used
    of: int  # sites with a figure
    value: float | None


def check_metric(metric: str) -> str:
    """The metric id, or InputError naming the known ones."""
    if metric not in METRICS:
        raise InputError([f"--metric {metric}: unknown metric; use one of {', '.join(METRICS)}"])
    return metric


def parse_number(text: str) -> float:
    """A figure as printed: thousands separators (comma, space, no-break space, apostrophe) are allowed."""
    cleaned = _THOUSANDS.sub("", text.strip())
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def read_traffic_csv(path: str | Path, metric: str, known_sites: Iterable[str]) -> list[Figure]:
    """Read and validate a traffic CSV (site_id, value; optional source, period, note); InputError lists every problem."""
    path = Path(path)
    name = str(path)
    check_metric(metric)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem(name, None, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(name, None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError([Problem(name, 1, ", ".join(missing),
                                  f"missing column(s); a traffic file has the columns {', '.join(COLUMNS)} "
                                  f"(site_id and value required); found: {', '.join(header) or 'no header'}")])
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise InputError([Problem(name, 1, ", ".join(unknown),
                                  f"unknown column(s); a traffic file has the columns {', '.join(COLUMNS)}")])
    known = set(known_sites)
    problems: list[Problem] = []
    figures: list[Figure] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(reader, start=2):
        if None in raw:
            problems.append(Problem(name, i, "", f"{len(header) + len(raw[None])} cells in a row of {len(header)} columns"))
            continue
        row = {k: (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        sid = row["site_id"]
        if not sid:
            problems.append(Problem(name, i, "site_id", "empty"))
            continue
        if sid not in known:
            problems.append(Problem(name, i, "site_id", f"unknown site {sid!r} (not in this round)"))
            continue
        if sid in seen:
            problems.append(Problem(name, i, "site_id", f"{sid!r} appears twice (first on row {seen[sid]}); "
                                                        "give one figure per site"))
            continue
        seen[sid] = i
        value: float | None = None
        if row["value"]:
            try:
                value = parse_number(row["value"])
            except ValueError:
                problems.append(Problem(name, i, "value", f"{row['value']!r} is not a number"))
                continue
            if metric == "rank" and (value < 1 or not value.is_integer()):
                problems.append(Problem(name, i, "value", f"rank {row['value']!r} is not a whole number of 1 or more"))
                continue
            if metric == "monthly-visits" and value < 0:
                problems.append(Problem(name, i, "value", f"visits {row['value']!r} are negative"))
                continue
        figures.append(Figure(i, sid, value, row.get("source", ""), row.get("period", ""), row.get("note", "")))
    if problems:
        raise InputError(problems)
    if not figures:
        raise InputError([Problem(name, None, "", "no rows: the file has a header but no figures")])
    return figures


def quintile_grades(values: dict[str, float | None], metric: str) -> dict[str, QuintileGrade]:
    """Grade each site 1-5 by the quintile of its figure among the sites with one; None where there is no figure."""
    more_is_more, _ = METRICS[check_metric(metric)]
    have = [(sid, v) for sid, v in values.items() if v is not None]
    n = len(have)
    # Most used first: the largest visits, or the smallest rank.
    ordered = sorted(have, key=lambda sv: -sv[1] if more_is_more else sv[1])
    mean_place: dict[float, float] = {}
    i = 0
    while i < n:
        j = i
        while j + 1 < n and ordered[j + 1][1] == ordered[i][1]:
            j += 1
        mean_place[ordered[i][1]] = (i + 1 + j + 1) / 2  # tied figures share the mean of their places
        i = j + 1
    out: dict[str, QuintileGrade] = {}
    for sid, v in values.items():
        if v is None:
            out[sid] = QuintileGrade(None, None, n, None)
            continue
        place = mean_place[v]
        q = (place - 0.5) / n
        out[sid] = QuintileGrade(5 - min(4, math.floor(5 * q)), place, n, v)
    return out


def choose_metric(counts: dict[str, int], wanted: str | None = None) -> str | None:
    """The metric that grades a round: the one asked for, else the one most sites have (visits before rank)."""
    if wanted:
        return check_metric(wanted)
    have = [(n, -list(METRICS).index(m), m) for m, n in counts.items() if n > 0 and m in METRICS]
    return max(have)[2] if have else None
