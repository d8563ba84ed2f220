"""Turning response bytes into text: legacy and mislabelled charsets, the Kazakh and Russian sites' norm.

Old Kazakh and Russian government sites serve windows-1251 or KOI8-R, often declaring something else in the
header or the meta tag. BeautifulSoup's UnicodeDammit weighs the byte-order mark, the document's own
declaration, the header and a statistical guess; we try strict UTF-8 first (bytes that decode as UTF-8 almost
never are anything else) and record which charset was used, so the decision is evidence too. Single-byte
Cyrillic tables (windows-1251, KOI8-R, KZ-1048, CP866, ...) decode any bytes without error, so a wrong label
among them is caught by reading the text: the table that yields plausible Russian or Kazakh wins.
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


BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")  # UTF-16/32 byte-order marks: UnicodeDammit reads them


def decode_html(body: bytes, header_charset: str = "") -> tuple[str, str]:
    """Decode an HTML (or text) body; return the text and the charset actually used."""
    if not body:
        return "", header_charset or "utf-8"
    if not body.startswith(BOMS):
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        else:
            # Pure ASCII reads the same in every ASCII-based charset: then the declared one is as true as UTF-8.
            if header_charset and body.isascii() and _ascii_based(header_charset):
                return text, header_charset
            return text, "utf-8"
    dammit = UnicodeDammit(body, known_definite_encodings=["utf-8"],
                           user_encodings=[header_charset] if header_charset else [], is_html=True)
    if dammit.unicode_markup is None:
        return body.decode("utf-8", errors="replace"), "utf-8"
    text, charset = dammit.unicode_markup, canonical(dammit.original_encoding or "utf-8") or "utf-8"
    if charset in CYRILLIC_8BIT:
        return _likeliest_cyrillic(body, text, charset)
    return text, charset


# Single-byte Cyrillic charsets: any byte string decodes in each of them, so a wrong label (KOI8-R sent as
# windows-1251, a DOS page as either) goes unnoticed by decoding alone. Kazakh KZ-1048 is windows-1251 with
# the Kazakh letters added.
CYRILLIC_8BIT = ("cp1251", "koi8-r", "koi8-u", "kz1048", "cp866", "iso8859-5", "mac-cyrillic")
_CYR_LOWER = re.compile(r"[а-яёәғқңөұүһі]")
_CYR_CASE_FLIP = re.compile(r"[а-яёәғқңөұүһі][А-ЯЁӘҒҚҢӨҰҮҺІ]")
_CYR_FOREIGN = re.compile(r"[ђѓєѕјљњћќўџЂЃЄЅЈЉЊЋЌЎЏ]")  # Serbian, Macedonian, Belarusian: rare on our sites


def _cyrillic_score(text: str) -> int:
    # Real text is mostly lower case, a capital rarely follows a small letter inside a word, and Serbian or
    # Macedonian letters are rare here; a text decoded with the wrong table breaks all three (Kazakh letters
    # in KZ-1048 read as windows-1251 turn into Macedonian ones).
    return len(_CYR_LOWER.findall(text)) - 3 * (len(_CYR_CASE_FLIP.findall(text)) + len(_CYR_FOREIGN.findall(text)))


def _likeliest_cyrillic(body: bytes, text: str, charset: str) -> tuple[str, str]:
    best = (_cyrillic_score(text), text, charset)
    for alt in CYRILLIC_8BIT:
        if alt == charset:
            continue
        try:
            candidate = body.decode(alt)
        except UnicodeDecodeError:
            continue
        score = _cyrillic_score(candidate)
        if score > best[0] + max(5, best[0] // 20):  # only a clearly better reading overrides the label
            best = (score, candidate, alt)
    return best[1], best[2]


def _ascii_based(charset: str) -> bool:
    try:
        return "a<b".encode(charset) == b"a<b"
    except (LookupError, UnicodeError):
        return False


def decode_with(body: bytes, charset: str) -> str:
    """Decode stored bytes with the charset recorded at crawl time."""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
