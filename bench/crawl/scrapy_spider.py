"""The Scrapy side of the crawl benchmark: the same sites, the same politeness, bodies stored the same way.

Run by bench/crawl/bench.py in a separate virtual environment (Scrapy is not a dependency of egov-survey):

    scrapy runspider bench/crawl/scrapy_spider.py -a sites=FILE -a out=DIR -s CONCURRENT_REQUESTS=16

Each site is its own download slot (host:port, as our crawler's host key), one request at a time per slot, no
delay, robots.txt obeyed, links followed within the site to depth 4. Every response is written, with its
request, to a gzip-per-record WARC file per site at the same compression level as ours; the number of pages
stored goes to DIR/stats.json.
"""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.linkextractors import LinkExtractor
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

GZIP_LEVEL = 6  # as crawler/warc.py


class Warc:
    """A per-site WARC file, one gzip member per record (as crawler/warc.py writes them)."""

    def __init__(self, path: Path):
        self.fh = open(path, "wb")
        self.writer = WARCWriter(io.BytesIO(), gzip=False)

    def put(self, rec) -> None:
        self.writer.out = buf = io.BytesIO()
        self.writer.write_record(rec)
        member = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        self.fh.write(member.compress(buf.getvalue()) + member.flush())

    def response(self, response) -> None:
        w = self.writer
        req_headers = [(k.decode(), b", ".join(v).decode()) for k, v in response.request.headers.items()]
        self.put(w.create_warc_record(response.url, "request", payload=io.BytesIO(b""), http_headers=StatusAndHeaders(
            f"GET {urlsplit(response.url).path or '/'} HTTP/1.1", req_headers, is_http_request=True)))
        headers = [(k.decode(), b", ".join(v).decode()) for k, v in response.headers.items()
                   if k.lower() not in (b"content-length", b"content-encoding", b"transfer-encoding")]
        headers.append(("Content-Length", str(len(response.body))))
        http = StatusAndHeaders(f"{response.status} OK", headers, protocol="HTTP/1.1")
        self.put(w.create_warc_record(response.url, "response", payload=io.BytesIO(response.body),
                                      length=len(response.body), http_headers=http))


class BenchSpider(scrapy.Spider):
    name = "bench"

    def __init__(self, sites: str, out: str, **kwargs):
        super().__init__(**kwargs)
        self.home_urls = json.loads(Path(sites).read_text())
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.links = LinkExtractor()
        self.warcs: dict[str, Warc] = {}
        self.pages = 0

    async def start(self):
        for url in self.home_urls:
            yield scrapy.Request(url, meta={"download_slot": urlsplit(url).netloc})

    def parse(self, response):
        host = urlsplit(response.url).netloc
        warc = self.warcs.get(host)
        if warc is None:
            warc = self.warcs[host] = Warc(self.out / f"{host.replace(':', '-')}.warc.gz")
        warc.response(response)
        if response.status == 200 and isinstance(response, scrapy.http.HtmlResponse):
            self.pages += 1
            for link in self.links.extract_links(response):
                if urlsplit(link.url).netloc == host:
                    yield scrapy.Request(link.url, meta={"download_slot": host})

    def closed(self, reason):
        for w in self.warcs.values():
            w.fh.close()
        (self.out / "stats.json").write_text(json.dumps({"pages": self.pages, "reason": reason}))
