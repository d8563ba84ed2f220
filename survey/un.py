"""The UN E-Government Survey's indices, for context beside an audit: importing the UN's CSV exports.

The UN publishes each survey's data (EGDI, its three components OSI, HCI and TII, the E-Participation Index
and the EGDI rank) as CSV, but the column names differ between years and between the sites that redistribute
them: `e-gov-index` in one, `E-Government Index` in another, `E_Index` in a third. Each known spelling maps
to one field here (compared after lower-casing and turning every run of other characters into a space); an
unknown column is an error naming the file and the column, never a silently dropped figure. Files without a
year column take the year from their name (egdi-2016.csv); files without an ISO 3166 alpha-3 code column are
matched by country name, through the names that files with both columns carry and the CLDR English names.
Stored figures are never silently changed: a differing value is a conflict unless told to replace.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from sqlalchemy import and_, insert, select, update

from rubric.yamlfile import InputError, Problem
from survey import schema
from survey.db import Database

FIELDS = ("egdi", "osi", "hci", "tii", "epart", "rank")
ALIASES: dict[str, tuple[str, ...]] = {
    "country": ("country code", "iso3", "iso", "iso code", "country iso", "code"),
    "name": ("country name", "country"),
    "year": ("survey year", "year"),
    "rank": ("e gov rank", "e government rank", "egdi rank", "rank"),
    "egdi": ("e gov index", "e government index", "e government development index", "egdi", "e index"),
    "epart": ("e pat index", "e participation index", "e participation", "epi", "epart"),
    "osi": ("osi", "online service index", "online service"),
    "hci": ("hci", "human capital index", "human capital"),
    "tii": ("tii", "telecommunication infrastructure index", "telecommunications infrastructure index",
            "tele infra"),
}
IGNORED = ("region", "sub region", "subregion", "continent", "income group", "lme")  # columns we do not need
_LOOKUP = {alias: key for key, aliases in ALIASES.items() for alias in aliases}
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d|19\d\d)(?!\d)")


def norm_header(h: str) -> str:
    """'E-Government Index' -> 'e government index'; 'E_Index' -> 'e index'."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", h.lower()).split())


def norm_name(name: str) -> str:
    """A country name made comparable: case, punctuation and '&' differences removed."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", name.lower().replace("&", " and ")).split())


def cldr_names() -> dict[str, str]:
    """Normalised CLDR English country name -> ISO alpha-3 code."""
    from babel import Locale
    from babel.core import get_global

    en = Locale("en").territories
    out = {}
    for alpha3, targets in get_global("territory_aliases").items():
        if len(alpha3) == 3 and alpha3.isalpha() and len(targets) == 1 and targets[0] in en:
            out.setdefault(norm_name(en[targets[0]]), alpha3)
    return out


@dataclass(frozen=True)
class UNRow:
    row: int
    country: str | None  # ISO alpha-3, if the file has it
    name: str
    year: int
    values: dict[str, float | int | None]


@dataclass
class UNFile:
    path: Path
    rows: list[UNRow]
    columns: dict[str, str]  # our field -> the file's column


def read_un_csv(path: str | Path, year: int | None = None) -> UNFile:
    """Read one UN E-Government CSV export, mapping its columns; InputError names file, row and field."""
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(name, None, "", "file not found")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # older UN exports were saved by spreadsheet programs
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError([Problem(name, None, "", "empty file")]) from None
    columns: dict[str, int] = {}
    problems = []
    for i, h in enumerate(header):
        key = _LOOKUP.get(norm_header(h))
        if key is None:
            if norm_header(h) in IGNORED or not h.strip():
                continue
            problems.append(Problem(name, 1, h, "unknown column; known UN E-Government columns are "
                                    + ", ".join(sorted({a for al in ALIASES.values() for a in al}))
                                    + " (compared without case and punctuation)"))
            continue
        if key in columns:
            problems.append(Problem(name, 1, h, f"a second column for {key} (first: {header[columns[key]]!r})"))
            continue
        columns[key] = i
    if "egdi" not in columns:
        problems.append(Problem(name, 1, "", "no EGDI column (for example 'E-Government Index' or 'e-gov-index')"))
    if "country" not in columns and "name" not in columns:
        problems.append(Problem(name, 1, "", "no country column: need an ISO alpha-3 code or a country name"))
    file_year = year
    if "year" not in columns and file_year is None:
        m = _YEAR_IN_NAME.search(path.name)
        if m:
            file_year = int(m.group(1))
        else:
            problems.append(Problem(name, 1, "", "no year column and no year in the file name; pass --year"))
    if problems:
        raise InputError(problems)
    rows: list[UNRow] = []
    for r, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            cells = cells + [""] * (len(header) - len(cells))

        def cell(key: str, cells: list[str] = cells) -> str:
            return cells[columns[key]].strip() if key in columns else ""

        values: dict[str, float | int | None] = {}
        for key in FIELDS:
            raw = cell(key)
            if not raw or raw in ("..", "-", "n/a", "NA"):
                values[key] = None
                continue
            try:
                v = float(raw.replace(",", "."))
            except ValueError:
                problems.append(Problem(name, r, header[columns[key]], f"{raw!r} is not a number"))
                continue
            if key == "rank":
                if v < 1 or not v.is_integer():
                    problems.append(Problem(name, r, header[columns[key]], f"rank {raw!r} is not a whole number of 1 or more"))
                    continue
                values[key] = int(v)
            elif not 0 <= v <= 1:
                problems.append(Problem(name, r, header[columns[key]], f"{raw!r} is outside 0-1 (UN indices run from 0 to 1)"))
            else:
                values[key] = v
        row_year = file_year
        if "year" in columns:
            try:
                row_year = int(float(cell("year")))
            except (ValueError, OverflowError):  # OverflowError: "inf"
                problems.append(Problem(name, r, header[columns["year"]], f"{cell('year')!r} is not a year"))
                continue
        code = cell("country").upper() or None
        if code is not None and not re.fullmatch(r"[A-Z]{3}", code):
            problems.append(Problem(name, r, header[columns["country"]], f"{code!r} is not an ISO alpha-3 code"))
            continue
        if code is None and not cell("name"):
            # The file has a code column, a name column or both (checked above): the problem is in one it has.
            key = "name" if "name" in columns else "country"
            problems.append(Problem(name, r, header[columns[key]], f"no country {'name' if key == 'name' else 'code'}"))
            continue
        rows.append(UNRow(r, code, cell("name"), int(row_year), values))
    if problems:
        raise InputError(problems)
    return UNFile(path, rows, {k: header[i] for k, i in columns.items()})


@dataclass
class UNImport:
    written: int = 0
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # country names that matched no code
    years: list[int] = field(default_factory=list)


def import_un(db: Database, paths: Iterable[str | Path], *, replace: bool = False, year: int | None = None,
              countries: Iterable[str] | None = None) -> UNImport:
    """Import UN E-Government CSV files (all countries, or only `countries`); conflicts write nothing unless `replace`."""
    files = [read_un_csv(p, year) for p in paths]
    names = cldr_names()
    for f in files:  # the UN's own spelling of names, from files that carry both name and code
        for r in f.rows:
            if r.country and r.name:
                names[norm_name(r.name)] = r.country
    wanted = {c.upper() for c in countries} if countries else None
    out = UNImport()
    records: dict[tuple[str, int], tuple[dict, str]] = {}
    for f in files:
        for r in f.rows:
            code = r.country or names.get(norm_name(r.name)) or names.get(norm_name(re.sub(r"\(.*?\)", "", r.name)))
            if code is None:
                out.unmatched.append(f"{f.path.name}:{r.row}: {r.name}")
                continue
            if wanted is not None and code not in wanted:
                continue
            records[(code, r.year)] = (r.values, f"{f.path.name} row {r.row}")
    un = schema.un_indices.c
    with db.engine.begin() as conn:
        stored = {(s.country, s.year): s for s in conn.execute(select(schema.un_indices))}
        for (code, yr), (values, where) in records.items():
            old = stored.get((code, yr))
            if old is not None and any(getattr(old, k) != values[k] for k in FIELDS):
                out.conflicts.append(f"{where}: {code} {yr} differs from the stored figures (from {old.source})")
        if out.conflicts and not replace:
            return out
        for (code, yr), (values, where) in sorted(records.items()):
            old = stored.get((code, yr))
            if old is None:
                conn.execute(insert(schema.un_indices).values(country=code, year=yr, source=where, **values))
                out.written += 1
            elif any(getattr(old, k) != values[k] for k in FIELDS):
                conn.execute(update(schema.un_indices).where(and_(un.country == code, un.year == yr))
                             .values(source=where, **values))
                out.written += 1
            else:
                out.unchanged += 1
    out.years = sorted({yr for _, yr in records})
    return out


def un_series(db: Database, country: str) -> list[dict]:
    """The stored UN indices of one country, by survey year."""
    with db.engine.connect() as conn:
        rows = conn.execute(select(schema.un_indices).where(schema.un_indices.c.country == country.upper())
                            .order_by(schema.un_indices.c.year)).mappings().all()
    return [dict(r) for r in rows]
