"""Links out of a parsed page, and URL normalisation so that one page is fetched once.

Normalising drops fragments, default ports and session-id parameters and sorts the query, so that
`/news?page=2&PHPSESSID=...#top` and `/news?page=2` are the same page. Trap caps and per-pattern limits build
on these normal forms in the frontier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

SESSION_PARAMS = re.compile(r"^(jsessionid|phpsessid|sid|sessionid|session_id|aspsessionid\w*|utm_\w+|fbclid|gclid)$",
                            re.IGNORECASE)
DOCUMENT_EXT = re.compile(r"\.(pdf|docx?|xlsx?|rtf|odt|ods|zip|rar|7z|pptx?|csv)$", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    url: str  # absolute, normalised
    text: str  # the visible text (or alt/title) of the link
    tag: str  # a | area | iframe | frame


_JSESSIONID = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)


def normalise(url: str) -> str:
    """A canonical form of an absolute http(s) URL."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    port = parts.port
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    # Letters beyond ASCII are written as UTF-8 escapes, as browsers send them; existing escapes are kept.
    path = quote(_JSESSIONID.sub("", parts.path), safe="/%:@!$&'()*+,;=~") or "/"
    # Query values round-trip as bytes (latin-1), so an old site's windows-1251 escapes are not mangled.
    raw = quote(parts.query, safe="=&%+/:;,@!$'()*?~")
    query = [(k, v) for k, v in parse_qsl(raw, keep_blank_values=True, encoding="latin-1") if not SESSION_PARAMS.match(k)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query), encoding="latin-1"), ""))


def extract_links(tree, base_url: str, cache: dict | None = None) -> list[Link]:
    """Every followable link in a parsed page, absolute and normalised, in document order.

    `cache` (any dict, kept by the caller) remembers resolved links: a site's menus repeat on every page.
    """
    if tree is None:
        return []
    base = base_url
    for b in tree.iter("base"):
        href = b.get("href")
        if href:
            base = urljoin(base_url, href.strip())
        break
    out: list[Link] = []
    for el in tree.iter("a", "area", "iframe", "frame"):
        raw = el.get("href") if el.tag in ("a", "area") else el.get("src")
        if not raw:
            continue
        raw = raw.strip().strip('"\'')
        if not raw or raw.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        # A root-relative link resolves the same on every page of a host; others depend on the page.
        slash = base.find("/", base.find("//") + 2)
        origin = base if slash < 0 else base[:slash]
        key = (origin, raw) if raw.startswith("/") and not raw.startswith("//") else (base, raw)
        url = cache.get(key) if cache is not None else None
        if url is None:
            try:
                absolute = urljoin(base, raw)
                url = normalise(absolute) if absolute.startswith(("http://", "https://")) else ""
            except ValueError:
                url = ""
            if cache is not None:
                if len(cache) > 100_000:
                    cache.clear()
                cache[key] = url
        if not url:
            continue
        text = " ".join((el.text_content() if el.tag in ("a", "area") else "").split())
        if not text:
            text = el.get("title") or el.get("alt") or ""
            if not text and el.tag == "a":
                img = next(iter(el.iter("img")), None)
                text = (img.get("alt") or "") if img is not None else ""
        out.append(Link(url, text.strip()[:300], str(el.tag)))
    return out


def looks_like_document(url: str) -> bool:
    return bool(DOCUMENT_EXT.search(urlsplit(url).path))
