"""Benchmark: report time and peak memory for generated rounds of 1,000 and 10,000 sites, HTML and PDF.

One command, run by hand (never by the tests):

    .venv/bin/python bench/report/bench.py                 # 1,000 and 10,000 sites, HTML and PDF
    .venv/bin/python bench/report/bench.py --sizes 1000    # a quicker run

For each size it builds a synthetic round (survey.synthetic: grades from two reviewers, adjudications,
evidence, traffic, technical indicators, home-page screenshots, an earlier round to compare with, UN
indices) and scores it; then, each in a fresh child process, (1) builds the report data and renders the HTML
and (2) builds the report data and prints the PDF (reports.pdf: Chromium prints the report in parts of at
most `--part-size` sites, `--workers` at a time, and pypdf joins them into one numbered PDF).
Time is wall-clock; peak memory is the largest sum of proportional resident memory (PSS, so that libraries
shared by Chromium's processes count once) over the child and all its descendants, sampled every 0.5 s.
Results go to bench/results/report.md and report.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"

from reports.pdf import PART_SIZE, WORKERS  # noqa: E402


def _tree_rss_kb(pid: int) -> int:
    """Proportional resident memory (PSS) of a process and all its descendants, in kB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            # PSS shares each shared page among the processes that map it: Chromium's processes share their
            # libraries, so summing plain RSS would count them several times.
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("Pss:")), 0)
        except OSError:
            continue
    return total


def measure(cmd: list[str], max_mb: int, max_s: int) -> dict:
    """Run a command; its wall time, peak tree memory (MB) and the JSON it prints last.

    The command runs in its own process group, which is ended if its memory passes `max_mb` or its time
    `max_s`: the benchmark shares its machine and must not take it down. Such a run is reported as stopped.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True)
    peak = 0
    stopped = ""
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, stopped
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            elapsed = time.perf_counter() - start
            if not stopped and (peak > max_mb * 1024 or elapsed > max_s):
                stopped = f"stopped at {peak // 1024} MB after {elapsed:.0f} s"
                os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(0.5)  # reading smaps of a large renderer is not free

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    done.set()
    t.join()
    seconds = round(time.perf_counter() - start, 1)
    if stopped:
        return {"seconds": seconds, "peak_mb": round(peak / 1024), "stopped": stopped}
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    info = json.loads(out.strip().splitlines()[-1])
    return {"seconds": seconds, "peak_mb": round(peak / 1024), **info}


def child_html(db_path: str, out_dir: str) -> None:
    from reports.render import render_html
    from rubric import load_rubric
    from survey.cli.app import __version__
    from survey.db import Database
    from survey.report import report_data

    db = Database(db_path)
    t0 = time.perf_counter()
    data = report_data(db, db.round("now"), load_rubric(), version=__version__)
    t1 = time.perf_counter()
    html = render_html(data, Path(out_dir) / "report.html")
    t2 = time.perf_counter()
    print(json.dumps({"data_s": round(t1 - t0, 1), "render_s": round(t2 - t1, 1),
                      "html_mb": round(html.stat().st_size / 2**20, 1)}))


def child_pdf(db_path: str, out_dir: str, part_size: str, workers: str) -> None:
    from crawler.browser import launch_options
    from reports.pdf import report_pdf
    from rubric import load_rubric
    from survey.cli.app import __version__
    from survey.db import Database
    from survey.report import report_data

    db = Database(db_path)
    t0 = time.perf_counter()
    data = report_data(db, db.round("now"), load_rubric(), version=__version__)
    t1 = time.perf_counter()
    stats: dict = {}
    pdf = report_pdf(data, Path(out_dir) / "report.pdf", launch_options(), part_size=int(part_size),
                     workers=int(workers), timeout_ms=3_600_000, stats=stats)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    n = next((int(line.split()[1]) for line in pages.splitlines() if line.startswith("Pages:")), None)
    print(json.dumps({**stats, "data_s": round(t1 - t0, 1), "pdf_mb": round(pdf.stat().st_size / 2**20, 1), "pages": n,
                      "part_size": int(part_size), "workers": int(workers)}))


def build(db_path: Path, n: int) -> float:
    from rubric import load_rubric
    from survey.db import Database
    from survey.scores import score_round
    from survey.synthetic import build_round

    t0 = time.perf_counter()
    rubric = load_rubric()
    db = Database(db_path, create=True)
    before = build_round(db, rubric, n, name="before", audit_date="2024-09-01", seed=2, screenshots=False,
                         traffic=False, technical=False, drop=n // 25)
    score_round(db, before, rubric)
    score_round(db, build_round(db, rubric, n, name="now", audit_date="2026-09-01"), rubric)
    return round(time.perf_counter() - t0, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--formats", default="html,pdf")
    ap.add_argument("--max-mb", type=int, default=12_000, help="stop a step whose memory passes this (MB)")
    ap.add_argument("--max-s", type=int, default=3_600, help="stop a step that runs longer (seconds)")
    ap.add_argument("--part-size", type=int, default=PART_SIZE, help="sites per printed part of the PDF")
    ap.add_argument("--workers", type=int, default=WORKERS, help="parts of the PDF printed at once")
    ap.add_argument("--child", nargs="+")
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        (child_html if kind == "html" else child_pdf)(*rest)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    if (RESULTS / "report.json").exists():  # keep the sizes not run this time
        rows = [r for r in json.loads((RESULTS / "report.json").read_text())["results"] if r["sites"] not in sizes]
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"egov-bench-{n}-") as tmp:
            db_path = Path(tmp) / "survey.db"
            setup = build(db_path, n)
            print(f"{n} sites: round built and scored in {setup} s", flush=True)
            html = measure([sys.executable, __file__, "--child", "html", str(db_path), tmp], args.max_mb, args.max_s)
            rows.append({"sites": n, "format": "html", "setup_s": setup, **html})
            print(rows[-1], flush=True)
            if "pdf" in args.formats:
                pdf = measure([sys.executable, __file__, "--child", "pdf", str(db_path), tmp, str(args.part_size),
                               str(args.workers)], args.max_mb, args.max_s)
                rows.append({"sites": n, "format": "pdf", "setup_s": setup, **pdf})
                print(rows[-1], flush=True)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
               "date": time.strftime("%Y-%m-%d")}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "report.json").write_text(json.dumps({"machine": machine, "results": rows}, indent=1) + "\n")
    lines = ["# Benchmark: reports", "",
             f"`python bench/report/bench.py` on {machine['platform']}, {machine['cpus']} CPUs, Python {machine['python']}, "
             f"{machine['date']}. Time is wall-clock for the step alone (the round is built beforehand); peak memory is "
             "the proportional resident memory (PSS) of the process and all its children, Chromium's included.", "",
             "| sites | output | time (s) | peak memory (MB) | size (MB) | pages | detail |", "|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["sites"], r["format"] != "html")):
        if "stopped" in r:
            lines.append(f"| {r['sites']:,} | {r['format'].upper()} | – | > {r['peak_mb']} | | | {r['stopped']} (limit) |")
        elif r["format"] == "html":
            detail = f"data {r['data_s']} s, render {r['render_s']} s"
            lines.append(f"| {r['sites']:,} | HTML | {r['seconds']} | {r['peak_mb']} | {r['html_mb']} | | {detail} |")
        else:
            detail = (f"{r['parts']} parts of ≤ {r['part_size']:,} sites, {r['workers']} at a time; data {r['data_s']} s, "
                      f"print {r['print_s']} s, join {r['join_s']} s")
            lines.append(f"| {r['sites']:,} | PDF | {r['seconds']} | {r['peak_mb']} | {r['pdf_mb']} | {r['pages']} | {detail} |")
    (RESULTS / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
