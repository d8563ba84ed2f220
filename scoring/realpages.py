"""The checks on real government pages: a generated page of suggested levels with their evidence, per site.

Reads the shared corpus of real pages (`../shared/govpages`: usa.gov, German ministries, akmo.gov.kz, kremlin.ru,
mfa.kz ...), groups its files into sites by the manifest (or, for files it does not list, by file name),
rebuilds each page's address from the site and the file's path, dates the evidence by the capture date the
manifest gives, runs every check and writes `docs/real-pages.md`, so that a reader can judge the checks on
sites they can look at. Most sites there are one or a few pages, not crawls, so levels that need a whole site
(many forms, a services catalogue) are out of reach by construction; the table says how many pages each had.

    python -m scoring.realpages [--shared ../shared] [--output docs/real-pages.md]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rubric import load_lexicons, load_rubric
from rubric.yamlfile import InputError
from scoring.artifacts import Page, SiteArtifacts
from scoring.checks import CHECKS, Context
from scoring.run import SiteChecks, check_site

_MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"], start=1)}
_SKIP = {".csv", ".xlsx", ".json", ".md"}


@dataclass
class CorpusSite:
    key: str
    site: str
    host: str
    files: list[tuple[Path, str, str, int]]  # (file, url, page description, depth)
    captured: str
    audit: date | None


def capture_date(text: str) -> date | None:
    """The day a capture refers to: an ISO date if given, else the end of the named month or year."""
    m = re.search(r"(\d{4})-(\d\d)-(\d\d)", text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.search(r"([A-Za-z]+)\s+(\d{4})", text)
    if m and m.group(1).lower() in _MONTHS:
        month, year = _MONTHS[m.group(1).lower()], int(m.group(2))
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)
    years = [int(y) for y in re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", text)]
    return date(max(years), 12, 31) if years else None


def _host_and_prefix(site: str) -> tuple[str, str]:
    first = site.split(" (")[0].split(" / ")[0].strip()
    host, _, prefix = first.partition("/")
    return host, ("/" + prefix.strip("/") + "/") if prefix else "/"


def corpus_sites(govpages: Path) -> list[CorpusSite]:
    """The corpus's files grouped into sites, with rebuilt addresses and capture dates."""
    rows = list(csv.DictReader((govpages / "manifest.csv").open(encoding="utf-8")))
    listed = {r["local_path"] for r in rows}
    for f in sorted((govpages / "jscryptominerstudy-transcribed" / "pagesource").glob("*")):
        rel = f.relative_to(govpages).as_posix()
        if rel not in listed:  # later batches, described in SOURCES.md: home pages crawled in March 2018
            rows.append({"local_path": rel, "site": f.name, "page": "Home page", "captured": "March 2018"})
    groups: dict[str, CorpusSite] = {}
    for r in rows:
        path = govpages / r["local_path"]
        if not path.is_file() or path.suffix in _SKIP:
            continue
        folder = r["local_path"].split("/", 1)[0]
        host, prefix = _host_and_prefix(r["site"])
        key = f"{host} ({folder})"
        site = groups.setdefault(key, CorpusSite(key, r["site"], host, [], r["captured"], capture_date(r["captured"])))
        local = r["local_path"].split("/", 1)[1]
        if folder == "usagov-archive-2023":
            sub = local[: -len("index.html")] if local.endswith("index.html") else local
            url = f"https://{host}/{sub}"
        else:
            url = f"https://{host}{prefix}" if "home" in r["page"].lower() or "landing" in local else \
                f"https://{host}{prefix}{Path(local).name}"
        depth = 0 if url.rstrip("/").count("/") <= 2 or "home" in r["page"].lower() else 1
        site.files.append((path, url, r["page"], depth))
    return sorted(groups.values(), key=lambda s: s.key)


def artifacts_of(site: CorpusSite) -> SiteArtifacts:
    """The site's files as stored artifacts, dated by the capture."""
    pages = []
    fetched = site.audit.isoformat() + "T12:00:00Z" if site.audit else ""
    for path, url, _, depth in site.files:
        text = path.read_bytes().decode("utf-8", "replace")
        pages.append(Page(url, url, 200, "text/html", text, depth=depth, fetched_at=fetched))
    pages.sort(key=lambda p: p.depth)
    return SiteArtifacts(site.key, {"en": site.site}, pages[0].url if pages else "", pages=pages)


def _cell(text: str, limit: int = 110) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(results: list[tuple[CorpusSite, SiteChecks]], rubric) -> str:
    """The Markdown page: a summary table, then per site each criterion's level, reasons and evidence."""
    crits = [c for c in rubric.judged]
    short = {"languages": "lang", "general-information": "gen", "personal-information": "pers",
             "accessibility-cooperativeness": "acc", "forms": "forms", "transparency": "transp",
             "real-time-operations": "ops"}
    out = ["# The checks on real government pages",
           "",
           "Generated by `python -m scoring.realpages` from the shared corpus of real pages (`../shared/govpages`, "
           "described in its SOURCES.md); do not edit by hand. Each row is a site as the corpus holds it: usually "
           "one page or a handful, not a crawl, so criteria that need a whole site (many forms, a services "
           "catalogue, a complete news archive) are judged on very little. Levels are the automated *suggestions* "
           "for a reviewer to confirm or correct, by the rules in `rubric/ministry2010.yaml`; the evidence "
           "addresses are rebuilt from the site and file name (the live pages have changed since the capture), "
           "and dates are judged against the capture date shown.",
           "",
           "| site | pages | captured | " + " | ".join(short.get(c.id, c.id) for c in crits) + " |",
           "|---|---|---|" + "---|" * len(crits)]
    for site, res in results:
        levels = [str(res.suggestions[c.id].level or "-") for c in crits]
        out.append(f"| [{_cell(site.key, 60)}](#{_anchor(site.key)}) | {len(site.files)} | "
                   f"{site.audit.isoformat() if site.audit else '?'} | " + " | ".join(levels) + " |")
    out += ["", "Columns: " + ", ".join(f"{short.get(c.id, c.id)} = {c.title}" for c in crits) + ".", ""]
    for site, res in results:
        out += [f"## {site.key}", "", f"{site.site}; {len(site.files)} page(s), captured {site.captured}.", ""]
        for path, url, page, _ in site.files:
            out.append(f"- `{path.relative_to(path.parents[len(path.parents) - 1]).as_posix().split('govpages/')[-1]}`"
                       f" as {url} ({_cell(page, 80)})")
        out.append("")
        for c in crits:
            s = res.suggestions[c.id]
            out.append(f"**{c.title}: {s.level or '-'}**. " + _cell("; ".join(s.reasons[:3]), 400))
            ids = [chk.id for chk in CHECKS if chk.criterion == c.id]
            shown = 0
            for cid in ids:
                r = res.results.get(cid)
                if r is None:
                    continue
                for ev in r.evidence:
                    if shown >= 4:
                        break
                    snippet = f" — “{_cell(ev.snippet, 90)}”" if ev.snippet else ""
                    out.append(f"  - {_cell(ev.label, 140)} <{ev.url}>{snippet}")
                    shown += 1
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _anchor(text: str) -> str:
    return re.sub(r"[^\w\- ]", "", text.lower()).strip().replace(" ", "-")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scoring.realpages", description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared",
                    help="the shared material folder holding govpages/ (default: ../shared beside the repository)")
    ap.add_argument("--output", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "real-pages.md")
    args = ap.parse_args(argv)
    govpages = args.shared / "govpages"
    try:
        if not (govpages / "manifest.csv").is_file():
            raise InputError([f"{govpages}: no manifest.csv here; pass --shared with the folder that holds govpages/"])
        rubric = load_rubric()
        ctx = Context(load_lexicons())
        results = []
        for site in corpus_sites(govpages):
            results.append((site, check_site(artifacts_of(site), rubric, ctx, CHECKS)))
    except InputError as exc:
        for line in exc.lines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(results, rubric), encoding="utf-8")
    counts = defaultdict(int)
    for _, res in results:
        for r in res.results.values():
            counts[r.status] += 1
    print(f"wrote {args.output}: {len(results)} site(s); check results: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
