"""Links out of a parsed page, and URL normalisation so that one page is fetched once.

Normalising drops fragments, default ports and session-id parameters and sorts the query, so that
`/news?page=2&PHPSESSID=...#top` and `/news?page=2` are the same page. Trap caps and per-pattern limits build
on these normal forms in the frontier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

SESSION_PARAMS = re.compile(r"^(jsessionid|phpsessid|sid|sessionid|session_id|aspsessionid\w*|utm_\w+|fbclid|gclid)$",
                            re.IGNORECASE)
DOCUMENT_EXT = re.compile(r"\.(pdf|docx?|xlsx?|rtf|odt|ods|zip|rar|7z|pptx?|csv)$", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    url: str  # absolute, normalised
    text: str  # the visible text (or alt/title) of the link
    tag: str  # a | area | iframe | frame


def normalise(url: str) -> str:
    """A canonical form of an absolute http(s) URL."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    path = re.sub(r";jsessionid=[^/?#]*", "", parts.path, flags=re.IGNORECASE) or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not SESSION_PARAMS.match(k)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def extract_links(tree, base_url: str) -> list[Link]:
    """Every followable link in a parsed page, absolute and normalised, in document order."""
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
        try:
            absolute = urljoin(base, raw)
        except ValueError:
            continue
        if not absolute.startswith(("http://", "https://")):
            continue
        text = " ".join((el.text_content() if el.tag in ("a", "area") else "").split())
        if not text:
            text = el.get("title") or el.get("alt") or ""
            if not text and el.tag == "a":
                img = next(iter(el.iter("img")), None)
                text = (img.get("alt") or "") if img is not None else ""
        try:
            out.append(Link(normalise(absolute), text.strip()[:300], str(el.tag)))
        except ValueError:
            continue
    return out


def looks_like_document(url: str) -> bool:
    return bool(DOCUMENT_EXT.search(urlsplit(url).path))
