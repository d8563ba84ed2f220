"""Benchmark: our crawler against Scrapy on a generated corpus served locally by nginx.

One command, run by hand (never by the tests):

    .venv/bin/python bench/crawl/bench.py                       # 200 sites x 50 pages of ~30 KB, 16 at once
    .venv/bin/python bench/crawl/bench.py --sites 50 --pages 20 # a quicker run

It generates the corpus (once; kept under --workdir), serves every site on its own port from one nginx
started unprivileged with its own configuration under --workdir (the Debian `nginx` package), and crawls it
twice, each crawler in a fresh child process: `egov-survey crawl` and `scrapy runspider
bench/crawl/scrapy_spider.py` (Scrapy lives in its own virtual environment, --scrapy-venv, created on first
use; it is not a dependency of egov-survey). Both with politeness off in the same way: no delay, robots.txt
obeyed, one request at a time per site with the same number of sites at once, depth 4, bodies stored as
gzip-per-record WARC files at the same compression level; ours also writes its index into SQLite.

Reported per crawler: pages stored per second (wall clock, start to exit), CPU seconds per page (user +
system of the child) and peak memory (the child's maximum resident set). Results go to
bench/results/crawl.md and crawl.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
NGINX = "/usr/sbin/nginx"
WORDS = ("министерство бюджет государственных закупок форма заявления контакты новости приказ постановление "
         "республики казахстан министрлік туралы байланыс нысандар бюджеті сатып алу жаңалықтар ministry budget "
         "procurement forms contacts news order resolution republic services citizens application report plan "
         "strategy vacancies department committee region akimat program development").split()
NAV = ["Главная", "О министерстве", "Новости", "Документы", "Бюджет", "Закупки", "Вакансии", "Контакты",
       "Услуги", "Обращения граждан"]


def href(page: int) -> str:
    return "/" if page == 0 else f"/p{page}.html"


def generate(corpus: Path, sites: int, pages: int, page_kb: int) -> None:
    """Write the corpus: per site, `pages` linked HTML pages of about `page_kb` KB and a robots.txt."""
    stamp = corpus / "STAMP"
    want = f"{sites} {pages} {page_kb}"
    if stamp.exists() and stamp.read_text() == want:
        return
    shutil.rmtree(corpus, ignore_errors=True)
    rnd = random.Random(2010)
    for s in range(sites):
        site = corpus / f"site{s:04d}"
        site.mkdir(parents=True)
        (site / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
        for p in range(pages):
            nav = "".join(f'<li><a href="{href(i)}">{NAV[i % len(NAV)]}</a></li>' for i in range(min(10, pages)))
            related = "".join(f'<a href="{href((p * 7 + j) % pages)}">{rnd.choice(WORDS)} {j}</a> ' for j in range(1, 6))
            text, size = [], 0
            while size < page_kb * 1000 - 1500:
                para = "<p>" + " ".join(rnd.choice(WORDS) for _ in range(60)) + "</p>\n"
                text.append(para)
                size += len(para.encode())
            html = (f'<!doctype html>\n<html lang="ru"><head><meta charset="utf-8"><title>Site {s} page {p}</title>'
                    f'</head><body><header><nav><ul>{nav}</ul></nav></header><main><h1>Page {p}</h1>{"".join(text)}'
                    f'<p>{related}<a href="/private/admin">admin</a></p></main><footer>Site {s}</footer></body></html>\n')
            (site / ("index.html" if p == 0 else f"p{p}.html")).write_text(html, encoding="utf-8")
    stamp.write_text(want)


def free_ports(n: int, start: int = 20000) -> list[int]:
    ports, port = [], start
    while len(ports) < n:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                ports.append(port)
            except OSError:
                pass
        port += 1
    return ports


def start_nginx(work: Path, corpus: Path, ports: list[int]) -> subprocess.Popen:
    conf = work / "nginx.conf"
    servers = "\n".join(f"  server {{ listen 127.0.0.1:{port}; root {corpus}/site{i:04d}; index index.html; }}"
                        for i, port in enumerate(ports))
    (work / "logs").mkdir(exist_ok=True)
    conf.write_text(f"""worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {work}/tmp-body; proxy_temp_path {work}/tmp-proxy; fastcgi_temp_path {work}/tmp-fastcgi;
  uwsgi_temp_path {work}/tmp-uwsgi; scgi_temp_path {work}/tmp-scgi;
  types {{ text/html html; text/plain txt; }}
  default_type text/plain;
  keepalive_requests 100000;
{servers}
}}
""")
    proc = subprocess.Popen([NGINX, "-p", str(work), "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", ports[-1]), timeout=0.2):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"nginx did not start: {proc.stderr.read().decode()}")
            time.sleep(0.1)
    raise SystemExit("nginx did not start listening within 20 s")


def measured(cmd: list[str], env: dict | None = None) -> dict:
    """Run a child to its end; its wall time, CPU seconds and peak resident memory."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{cmd[0]} failed ({code}): {err.decode()[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def run_ours(work: Path, urls: list[str], concurrency: int, pages: int) -> dict:
    import yaml

    out = work / "ours"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    sites = {"defaults": {"delay": 0, "robots": True, "sitemaps": False, "render": "never", "allow_private": True,
                          "max_pages": pages + 10, "max_depth": 4, "max_seconds": 3600,
                          # Every page of a generated site has the same URL pattern (/pN.html); Scrapy caps none.
                          "trap_max_per_pattern": pages + 10},
             "sites": [{"id": f"site-{i:04d}", "name": {"en": f"Site {i}"}, "url": u} for i, u in enumerate(urls)]}
    (out / "sites.yaml").write_text(yaml.safe_dump(sites))
    env = dict(os.environ, COLUMNS="120", NO_COLOR="1")
    result = measured([str(ROOT / ".venv" / "bin" / "egov-survey"), "crawl", "--sites", str(out / "sites.yaml"),
                       "--db", str(out / "survey.db"), "--round", "bench", "--concurrency", str(concurrency)], env)
    con = sqlite3.connect(out / "survey.db")
    result["pages"] = con.execute("SELECT count(*) FROM captures WHERE source = 'crawl' AND status = 200 "
                                  "AND doc_type = 'html'").fetchone()[0]
    con.close()
    return result


def ensure_scrapy(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not (venv / "bin" / "scrapy").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "scrapy", "warcio"], check=True)
    return venv / "bin" / "scrapy"


def run_scrapy(work: Path, urls: list[str], concurrency: int, venv: Path) -> dict:
    scrapy = ensure_scrapy(venv)
    out = work / "scrapy"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    (out / "sites.json").write_text(json.dumps(urls))
    settings = {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,  # per download slot: each site's host:port (set by the spider)
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": True, "DEPTH_LIMIT": 4,
        # Scrapy's own advice for crawls over many sites: a queue that keeps every slot busy.
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False,
        "USER_AGENT": "egov-survey/0.1 (+https://github.com/egov-survey/egov-survey)",
    }
    cmd = [str(scrapy), "runspider", str(ROOT / "bench" / "crawl" / "scrapy_spider.py"),
           "-a", f"sites={out / 'sites.json'}", "-a", f"out={out}"]
    for k, v in settings.items():
        cmd += ["-s", f"{k}={v}"]
    result = measured(cmd)
    result["pages"] = json.loads((out / "stats.json").read_text())["pages"]
    return result


def versions(scrapy_venv: Path) -> dict:
    scrapy = subprocess.run([str(scrapy_venv / "bin" / "scrapy"), "version"], capture_output=True, text=True,
                            check=True).stdout.strip()
    nginx = subprocess.run([NGINX, "-v"], capture_output=True, text=True, check=True).stderr.strip()
    return {"python": platform.python_version(), "scrapy": scrapy, "nginx": nginx, "cpus": os.cpu_count(),
            "machine": platform.machine(), "load_before": os.getloadavg()[0]}


def write_results(args, rows: dict, info: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    for r in rows.values():
        r["pages_per_s"] = r["pages"] / r["wall_s"]
        r["cpu_s_per_page"] = r["cpu_s"] / r["pages"]
    data = {"sites": args.sites, "pages_per_site": args.pages, "page_kb": args.page_kb,
            "concurrency": args.concurrency, "results": rows, "environment": info,
            "when": time.strftime("%Y-%m-%d %H:%M")}
    (RESULTS / "crawl.json").write_text(json.dumps(data, indent=2))
    lines = ["# Crawl benchmark: egov-survey against Scrapy",
             "",
             f"{args.sites} sites x {args.pages} pages of ~{args.page_kb} KB served by nginx on 127.0.0.1 (one port per "
             f"site); {args.concurrency} sites at once, one request at a time per site, no delay, robots.txt obeyed, "
             "depth 4, every body stored in gzip-per-record WARC files (level 6). "
             f"Run {data['when']} on {info['cpus']} CPUs (load average {info['load_before']:.1f} at the start); "
             f"{info['scrapy']}, {info['nginx']}, Python {info['python']}.",
             "",
             "| crawler | pages | seconds | pages/s | CPU per page | peak MB |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['pages']} | {r['wall_s']:.1f} | {r['pages_per_s']:.0f} | {r['cpu_s_per_page'] * 1000:.2f} ms "
                     f"| {r['peak_mb']:.0f} |")
    if {"egov-survey", "Scrapy"} <= set(rows):
        a, b = rows["egov-survey"], rows["Scrapy"]
        lines += ["", f"Ratio egov-survey / Scrapy: pages/s {a['pages_per_s'] / b['pages_per_s']:.2f}, "
                      f"CPU per page {a['cpu_s_per_page'] / b['cpu_s_per_page']:.2f}, peak memory {a['peak_mb'] / b['peak_mb']:.2f}."]
    (RESULTS / "crawl.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=200)
    ap.add_argument("--pages", type=int, default=50)
    ap.add_argument("--page-kb", type=int, default=30)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/egov-crawl-bench"))
    ap.add_argument("--scrapy-venv", type=Path, default=Path("/tmp/bench-venv"))
    ap.add_argument("--only", choices=["egov-survey", "Scrapy"])
    args = ap.parse_args()
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"corpus: {args.sites} sites x {args.pages} pages in {work / 'corpus'}", flush=True)
    generate(work / "corpus", args.sites, args.pages, args.page_kb)
    ports = free_ports(args.sites)
    nginx = start_nginx(work, work / "corpus", ports)
    urls = [f"http://127.0.0.1:{p}/" for p in ports]
    rows = {}
    try:
        info = versions(args.scrapy_venv) if args.only != "egov-survey" else {}
        for name, run in (("egov-survey", lambda: run_ours(work, urls, args.concurrency, args.pages)),
                          ("Scrapy", lambda: run_scrapy(work, urls, args.concurrency, args.scrapy_venv))):
            if args.only in (None, name):
                print(f"crawling with {name} ...", flush=True)
                rows[name] = run()
                print(f"  {rows[name]}", flush=True)
    finally:
        nginx.terminate()
        nginx.wait()
    info = info or {"cpus": os.cpu_count(), "load_before": os.getloadavg()[0], "scrapy": "-", "nginx": "-",
                    "python": platform.python_version()}
    write_results(args, rows, info)


if __name__ == "__main__":
    main()
