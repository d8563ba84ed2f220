"""Turning response bytes into text: legacy and mislabelled charsets, the Kazakh and Russian sites' norm.

Old Kazakh and Russian government sites serve windows-1251 or KOI8-R, often declaring something else in the
header or the meta tag. BeautifulSoup's UnicodeDammit weighs the byte-order mark, the document's own
declaration, the header and a statistical guess; we try strict UTF-8 first (bytes that decode as UTF-8 almost
never are anything else) and record which charset was used, so the decision is evidence too.
"""

from __future__ import annotations

import codecs
import re

from bs4 import UnicodeDammit

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def declared_charset(content_type: str) -> str:
    """The charset named in a Content-Type header, normalised ('' if none or unknown)."""
    m = _CHARSET.search(content_type or "")
    return canonical(m.group(1)) if m else ""


def canonical(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except (LookupError, TypeError):
        return ""


def decode_html(body: bytes, header_charset: str = "") -> tuple[str, str]:
    """Decode an HTML (or text) body; return the text and the charset actually used."""
    if not body:
        return "", header_charset or "utf-8"
    dammit = UnicodeDammit(body, known_definite_encodings=["utf-8"],
                           user_encodings=[header_charset] if header_charset else [], is_html=True)
    if dammit.unicode_markup is None:
        return body.decode("utf-8", errors="replace"), "utf-8"
    return dammit.unicode_markup, canonical(dammit.original_encoding or "utf-8") or "utf-8"


def decode_with(body: bytes, charset: str) -> str:
    """Decode stored bytes with the charset recorded at crawl time."""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
