"""Sitemaps (sitemaps.org XML, plain-text lists, gzip-compressed either way): the URLs a site says it has.

A sitemap is either a list of pages (`urlset`) or an index of further sitemaps (`sitemapindex`). Parsing is
lenient, as sitemaps in the wild often are: any namespace or none, whitespace around addresses, a text file
with one URL per line. The crawler fetches sitemaps itself (politely, kept as evidence) and hands the bytes here.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field

from lxml import etree

MAX_URLS = 50_000  # the sitemaps.org limit per file
# The sitemaps.org limit per file, uncompressed. A few megabytes of gzip can hold gigabytes of zeros, so a
# compressed sitemap is inflated only this far.
MAX_BYTES = 52_428_800


@dataclass
class Sitemap:
    pages: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # further sitemaps (from a sitemap index)
    error: str = ""


def parse_sitemap(body: bytes) -> Sitemap:
    """Page URLs and child sitemaps in a sitemap body (XML or text, gzip or not)."""
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as gz:
                body = gz.read(MAX_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            return Sitemap(error=f"not a readable gzip file ({exc})")
        if len(body) > MAX_BYTES:
            return Sitemap(error=f"more than {MAX_BYTES} bytes uncompressed (the sitemaps.org limit); not read")
    head = body.lstrip()[:200].lower()
    if not head.startswith(b"<"):
        lines = body.decode("utf-8", errors="replace").split()
        return Sitemap(pages=[u for u in lines if u.startswith(("http://", "https://"))][:MAX_URLS])
    if b"<html" in head or b"<!doctype html" in head:
        return Sitemap(error="an HTML page, not a sitemap")
    out = Sitemap()
    try:
        parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        return Sitemap(error=f"not valid XML ({exc})")
    if root is None:
        return Sitemap(error="empty or unreadable XML")
    kind = etree.QName(root).localname.lower()
    for loc in root.iter("{*}loc"):
        url = (loc.text or "").strip()
        if not url.startswith(("http://", "https://")):
            continue
        parent = etree.QName(loc.getparent()).localname.lower() if loc.getparent() is not None else ""
        if kind == "sitemapindex" or parent == "sitemap":
            out.children.append(url)
        else:
            out.pages.append(url)
        if len(out.pages) >= MAX_URLS:
            break
    return out
