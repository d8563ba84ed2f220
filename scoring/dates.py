"""Dates on a page: what tells a reviewer that a site is current, and how far a language version lags.

News lists, announcements and documents carry dates in many shapes: `18.11.2026`, `2026-11-18`, `11/18/2026`,
`18 November 2026`, `November 18, 2026`, `18 ноября 2026 г.`, `2026 жылғы 18 қараша`, `18. November 2026`,
`18 de noviembre de 2026`, and `<time datetime>` or meta tags. Month names come from the lexicons (adding a
language adds its months). One compiled set of patterns runs over a page's visible text; htmldate, which is
thorough but costs some fifty parses per page, is left for the few pages where this finds nothing.
"""

from __future__ import annotations

import re
from datetime import date

from rubric.lexicons import Lexicons

_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)")
# A digit first (not a repeat), so that the regex engine skips to the digits of a page's text in C.
_NUMERIC = re.compile(r"(\d\d{0,3})([-./])(\d{1,2})\2(\d{2,4})")
_META_NAMES = ("article:published_time", "article:modified_time", "og:updated_time", "datepublished", "datemodified",
               "dc.date", "dcterms.modified", "dcterms.created", "date", "last-modified", "pubdate")


# A day, a word, a year (or the word first, or the year first as Kazakh writes it); the word is then looked up
# among the lexicons' month names. Matching any word and looking it up is far faster than one alternation of
# every month stem of every language.
_WORD = r"(?P<m>[^\W\d_]{3,12})\.?"
_YEAR = re.compile(r"(?:19|20)\d\d(?!\d)")
_DAY_MONTH_BEFORE = re.compile(r"(?<!\d)(?P<d>\d{1,2})\.?\s+(?:de\s+)?" + _WORD + r",?\s+(?:de\s+|del\s+)?$")
_MONTH_DAY_BEFORE = re.compile(r"(?<!\w)" + _WORD + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+$")
# Kazakh puts the year first: "2026 жылғы 18 қараша", "2026 ж. 18 қараша".
_DAY_MONTH_AFTER = re.compile(r"\s*(?:ж\.|жылғы|жыл|j\.|jylǵy|jylgy)?\s+(?P<d>\d{1,2})\s+" + _WORD)
_CACHE: dict[int, tuple[Lexicons, tuple[dict[str, int], dict[str, int]]]] = {}


def _months(lexicons: Lexicons) -> tuple[dict[str, int], dict[str, int]]:
    """Month stems (matching any word they start) and whole month words, each to its month number."""
    got = _CACHE.get(id(lexicons))
    if got is not None and got[0] is lexicons:
        return got[1]
    stems: dict[str, int] = {}
    whole: dict[str, int] = {}
    for lx in lexicons.languages.values():
        for i, names in enumerate(lx.months, start=1):
            for name in names:
                name = name.lower()
                if name.endswith("$"):
                    whole.setdefault(name[:-1], i)
                else:
                    stems.setdefault(name, i)
    _CACHE[id(lexicons)] = (lexicons, (stems, whole))
    return stems, whole


def _month(months: tuple[dict[str, int], dict[str, int]], word: str) -> int | None:
    stems, whole = months
    word = word.lower()
    if word in whole:
        return whole[word]
    for k in range(len(word), 2, -1):  # the longest stem that starts the word
        got = stems.get(word[:k])
        if got:
            return got
    return None


def _make(y: int, m: int, d: int) -> date | None:
    if y < 100:
        y += 2000
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str, lexicons: Lexicons, *, month_first: bool = False) -> list[date]:
    """Every date written in the text, in order of appearance (duplicates kept)."""
    if not text:
        return []
    found: list[tuple[int, date]] = []
    # One pass for the numeric shapes (2026-11-18, 18.11.2026, 11/18/2026); the shape is told afterwards.
    for m in _NUMERIC.finditer(text):
        a, sep, b, c = m.groups()
        start = m.start()
        if start and (text[start - 1].isdigit() or text[start - 1] in "./-"):
            continue
        end = m.end()
        if end < len(text) and (text[end].isdigit() or (text[end] in "./-" and end + 1 < len(text)
                                                        and text[end + 1].isdigit())):
            continue
        d = None
        if sep == "-" and len(a) == 4 and len(c) == 2:
            d = _make(int(a), int(b), int(c))
        elif sep == "." and len(a) <= 2 and len(c) in (2, 4):
            d = _make(int(c), int(b), int(a))
        elif sep == "/" and len(a) <= 2 and len(c) == 4:
            x, y = int(a), int(b)
            # US pages write month/day; most others day/month. A part above 12 settles it either way.
            first_is_month = (x <= 12 < y) or (month_first and x <= 12 and y <= 12)
            d = _make(int(c), x, y) if first_is_month else _make(int(c), y, x)
        if d and (len(c) == 4 or sep == "-" or 1995 <= d.year):
            found.append((start, d))
    months = _months(lexicons)
    # Dates with month names are found around the years in the text: far fewer places than word starts.
    for y in _YEAR.finditer(text):
        start, end = y.start(), y.end()
        if start and text[start - 1].isdigit():
            continue
        # The patterns before a year end in a space, the one after it starts with a space or the Kazakh word
        # for year: one character rules most years out (©2026, 2026-11-18) without a search.
        before = text[max(0, start - 40):start] if start and text[start - 1].isspace() else ""
        for pat in (_DAY_MONTH_BEFORE, _MONTH_DAY_BEFORE) if before else ():
            m = pat.search(before)
            if m:
                month = _month(months, m.group("m"))
                d = _make(int(y.group(0)), month, int(m.group("d"))) if month else None
                if d:
                    found.append((start - len(before) + m.start(), d))
                    break
        else:
            after = text[end:end + 1]
            m = _DAY_MONTH_AFTER.match(text, end, end + 40) if after and (after.isspace() or after in "жj") else None
            if m:
                month = _month(months, m.group("m"))
                d = _make(int(y.group(0)), month, int(m.group("d"))) if month else None
                if d:
                    found.append((start, d))
    found.sort(key=lambda x: x[0])
    return [d for _, d in found]


def markup_dates(tree, times: list | None = None) -> list[date]:
    """Dates in `<time datetime>` elements (`times`, when the caller has them already) and date meta tags."""
    out = []
    if tree is None:
        return out
    for el in tree.iter("time") if times is None else times:
        value = el.get("datetime") or ""
        m = _ISO.search(value)
        if m:
            d = _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if d:
                out.append(d)
    head = tree.find("head")
    if head is not None:
        for el in head.iter("meta"):
            name = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
            if name in _META_NAMES:
                m = _ISO.search(el.get("content") or "")
                if m:
                    d = _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                    if d:
                        out.append(d)
    return out


def htmldate_of(html: str, latest: date | None) -> date | None:
    """The page's date by htmldate (slow: use on a few pages only), never after `latest`."""
    try:
        from htmldate import find_date

        kwargs = {"original_date": False, "extensive_search": False, "outputformat": "%Y-%m-%d"}
        if latest is not None:
            kwargs["max_date"] = latest.isoformat()
        got = find_date(html, **kwargs)
    except Exception:  # htmldate gives up on odd markup by raising; no date is the honest answer
        return None
    if not got:
        return None
    try:
        return date.fromisoformat(got)
    except ValueError:
        return None


def plausible(dates: list[date], latest: date | None, earliest: date = date(1995, 1, 1)) -> list[date]:
    """Dates that can be publication dates: after the web began here, not after the audit (plus a little)."""
    if latest is None:
        return [d for d in dates if d >= earliest]
    limit = date.fromordinal(latest.toordinal() + 1)
    return [d for d in dates if earliest <= d <= limit]
