"""Benchmark: all checks together against one lxml parse per page, over a few thousand real pages.

The real government pages of ../shared/govpages (55 HTML files, 15-370 KB) are dealt out into synthetic sites of
50 pages each, every page with its own address on its site's host, until the wanted number of pages is
reached. Two timings are taken per site, side by side and each the best of a few rounds (so that both meet the
same load on a shared machine), then summed: parsing every page once with lxml (the baseline the issue
names), and running every registered check and the rubric's rules on the site from unparsed pages (which
includes that same parse). The matcher's caches are cleared per site, so boilerplate
shared between the synthetic sites does not flatter the result. Results go to bench/results/checks.md and
checks.json; run by hand, on a quiet machine:

    .venv/bin/python bench/checks/bench_checks.py [--pages 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import lxml.html

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from rubric import load_lexicons, load_rubric  # noqa: E402
from scoring.artifacts import Page, SiteArtifacts  # noqa: E402
from scoring.checks import CHECKS, Context  # noqa: E402
from scoring.lexmatch import matcher_for  # noqa: E402
from scoring.run import check_site  # noqa: E402

PER_SITE = 50
SKIP = {".csv", ".xlsx", ".json", ".md"}


def corpus(shared: Path) -> list[str]:
    files = sorted(p for p in (shared / "govpages").rglob("*") if p.is_file() and p.suffix not in SKIP)
    return [p.read_bytes().decode("utf-8", "replace") for p in files]


def sites(texts: list[str], pages: int) -> list[list[tuple[str, str]]]:
    """(url, html) per page, grouped into sites of PER_SITE pages."""
    out, n, s = [], 0, 0
    while n < pages:
        host = f"https://site{s}.example.gov"
        group = []
        for i in range(min(PER_SITE, pages - n)):
            text = texts[(s * 7 + i) % len(texts)]
            group.append((f"{host}/" if i == 0 else f"{host}/section{i}/page", text))
        out.append(group)
        n += len(group)
        s += 1
    return out


def _parse(group, parser) -> float:
    start = time.perf_counter()
    for _, text in group:
        lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    return time.perf_counter() - start


def _check(k: int, group, rubric, ctx) -> tuple[float, int]:
    matcher = matcher_for(ctx.lexicons)
    matcher._cache.clear()
    matcher._url_cache.clear()
    pages = [Page(url, url, 200, "text/html", text, depth=0 if i == 0 else 1, fetched_at="2026-11-22T10:00:00Z")
             for i, (url, text) in enumerate(group)]
    arts = SiteArtifacts(f"site{k}", {"en": f"Site {k}"}, pages[0].url, pages=pages)
    start = time.perf_counter()
    result = check_site(arts, rubric, ctx, CHECKS)
    took = time.perf_counter() - start
    return took, sum(1 for r in result.results.values() if r.status == "error")


def measure(groups, rubric, ctx, rounds: int) -> tuple[float, float, int]:
    """Per site, the best of `rounds` for its parse and for its checks, taken side by side so that both
    meet the same load on a shared machine; summed over the sites."""
    parser = lxml.html.HTMLParser(encoding="utf-8")
    parse = checks = 0.0
    errors = 0
    for k, group in enumerate(groups):
        best_p = best_c = float("inf")
        for _ in range(rounds):
            best_p = min(best_p, _parse(group, parser))
            took, errors_here = _check(k, group, rubric, ctx)
            best_c = min(best_c, took)
        parse += best_p
        checks += best_c
        errors += errors_here
    return parse, checks, errors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "checks")
    args = ap.parse_args(argv)
    texts = corpus(args.shared)
    if not texts:
        print(f"no pages under {args.shared / 'govpages'}", file=sys.stderr)
        return 2
    groups = sites(texts, args.pages)
    n = sum(len(g) for g in groups)
    rubric, ctx = load_rubric(), Context(load_lexicons())
    measure(groups[:2], rubric, ctx, 1)  # warm up: lingua's models, compiled patterns
    p, c, errors = measure(groups, rubric, ctx, args.rounds)
    result = {
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "pages": n, "sites": len(groups), "corpus_files": len(texts),
        "mean_page_kb": round(sum(len(t.encode()) for _, t in (x for g in groups for x in g)) / n / 1024, 1),
        "parse_seconds": round(p, 3), "checks_seconds": round(c, 3),
        "parse_pages_per_second": round(n / p, 1), "checks_pages_per_second": round(n / c, 1),
        "ratio_total": round(c / p, 2), "ratio_beyond_parse": round((c - p) / p, 2),
        "check_errors": errors, "checks": [ch.id for ch in CHECKS], "rounds": args.rounds,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = [
        "# Benchmark: checks",
        "",
        f"Written by `bench/checks/bench_checks.py` on {result['when']} ({result['machine']}).",
        "",
        f"{n} pages ({result['sites']} synthetic sites of up to {PER_SITE} pages dealt from {len(texts)} real "
        f"government pages, {result['mean_page_kb']} KB on average); per site the best of {args.rounds} rounds.",
        "",
        "| | seconds | pages/s |",
        "|---|---|---|",
        f"| parse each page once with lxml | {result['parse_seconds']} | {result['parse_pages_per_second']} |",
        f"| all {len(CHECKS)} checks and the rubric's rules (parse included) | {result['checks_seconds']} | "
        f"{result['checks_pages_per_second']} |",
        "",
        f"Ratio to the lxml parse: **{result['ratio_total']}x** in all, **{result['ratio_beyond_parse']}x** beyond "
        f"the parse itself (target: at most 3x). Check errors: {errors}.",
        "",
    ]
    args.output.with_suffix(".md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
