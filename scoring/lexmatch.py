"""Finding every lexicon topic in a text in one pass, fast enough for thousands of pages.

The lexicons hold about a thousand words and phrases across languages; testing each topic's regular expression
on every link text and paragraph would cost more than parsing the page. Here all words of all topics are
compiled into a single trie-shaped regular expression (one branch per letter, so each position of the text is
tried against a few letters, not a thousand words), matched on the lower-cased text at word starts; each
match is looked up in a table of the topics that word belongs to. Where words overlap, the longest one wins
("application form" is about forms, not applications). A word ending in `$` in a lexicon matches only whole.
A site's thousands of distinct link texts are matched in one scan over them joined by line breaks (no word
holds one), which costs a fraction of one scan per text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from dataclasses import dataclass, field
from typing import Iterable

from rubric.lexicons import Lexicons


@dataclass
class _Node:
    children: dict[str, "_Node"] = field(default_factory=dict)
    stem_end: bool = False
    word_end: bool = False


def _build(node: _Node) -> str:
    alts = [re.escape(ch) + _build(child) for ch, child in sorted(node.children.items())]
    if node.stem_end:
        alts.append("")
    elif node.word_end:
        alts.append(r"(?!\w)")
    if not alts:
        return ""
    if len(alts) == 1:
        return alts[0]
    return "(?:" + "|".join(alts) + ")"


def trie_pattern(words: list[str], start: str = r"(?<!\w)") -> re.Pattern | None:
    """A regex matching any of the words at a word start; a trailing `$` on a word means whole word only."""
    root = _Node()
    for w in words:
        whole = w.endswith("$")
        w = w[:-1] if whole else w
        if not w:
            continue
        node = root
        for ch in w:
            node = node.children.setdefault(ch, _Node())
        if whole:
            node.word_end = True
        else:
            node.stem_end = True
    if not root.children:
        return None
    first = "".join(sorted({re.escape(ch) for ch in root.children}))
    return re.compile(start + "(?=[" + first + "])" + _build(root))


class TopicMatcher:
    """All topics of all lexicons, matched in one pass over a text."""

    def __init__(self, lexicons: Lexicons):
        self.lexicons = lexicons
        self.word_topics: dict[str, set[str]] = {}
        words: set[str] = set()
        for lx in lexicons.languages.values():
            for topic, ws in lx.words.items():
                for w in ws:
                    w = w.lower()
                    words.add(w)
                    self.word_topics.setdefault(w.rstrip("$"), set()).add(topic)
        self.pattern = trie_pattern(sorted(words))
        url_frags: set[str] = set()
        self.frag_topics: dict[str, set[str]] = {}
        for lx in lexicons.languages.values():
            for topic, frags in lx.url.items():
                for f in frags:
                    url_frags.add(f.lower())
                    self.frag_topics.setdefault(f.lower(), set()).add(topic)
        # URL fragments start a path segment or a host part (not after a letter or digit), like the crawler's.
        self.url_pattern = trie_pattern(sorted(url_frags), start=r"(?<![a-z0-9])")
        self._cache: dict[str, frozenset[str]] = {}
        self._url_cache: dict[str, frozenset[str]] = {}
        self._none: frozenset[str] = frozenset()

    def matches(self, text: str) -> list[tuple[str, int, int]]:
        """(topic, start, end) for every topic word in the text, in order."""
        if not text or self.pattern is None:
            return []
        out = []
        for m in self.pattern.finditer(text.lower()):
            for topic in self.word_topics.get(m.group(), ()):
                out.append((topic, m.start(), m.end()))
        return out

    def topics(self, text: str) -> frozenset[str]:
        """The topics whose words occur in a short text (link texts, titles, headings); cached."""
        got = self._cache.get(text)
        if got is None:
            got = frozenset(t for t, _, _ in self.matches(text))
            if len(self._cache) < 200_000:
                self._cache[text] = got
        return got

    def topics_many(self, texts: Iterable[str]) -> dict[str, frozenset[str]]:
        """The topics of many short texts, worked out in one scan: {text: topics} for those that have any."""
        cache = self._cache
        todo, out = [], {}
        for t in dict.fromkeys(texts):
            got = cache.get(t)
            if got is None:
                todo.append(t)
            elif got:
                out[t] = got
        if todo and self.pattern is not None:
            found = self._scan(todo)
            if len(cache) + len(todo) < 200_000:
                cache.update(dict.fromkeys(todo, self._none))
                cache.update(found)
            out.update(found)
        return out

    def _scan(self, texts: list[str]) -> dict[str, frozenset[str]]:
        """{text: topics} for the texts (distinct) with any topic, matched in one pass over them joined."""
        joined = "\n".join(texts)
        if joined.count("\n") != len(texts) - 1:  # a text with a line break of its own: one at a time
            return {t: got for t in texts if (got := frozenset(x for x, _, _ in self.matches(t)))}
        low = joined.lower()
        # Where each text starts in the lower-cased whole: lower-casing only ever lengthens a character (İ), so
        # equal lengths mean the texts' own; otherwise the line breaks say.
        if len(low) == len(joined):
            starts = [0, *accumulate(len(t) + 1 for t in texts[:-1])]
        else:
            starts = [0] + [m.end() for m in _NEWLINE.finditer(low)]
        found = _topics_by_line(self.pattern, self.word_topics, low, starts)
        return {texts[i]: frozenset(got) for i, got in found.items()}

    def url_topics_many(self, urls: Iterable[str]) -> None:
        """Work out (into the cache `url_topics` reads) the topics of many URLs in one scan."""
        cache = self._url_cache
        todo = [u for u in dict.fromkeys(urls) if u not in cache]
        if not todo or self.url_pattern is None or len(cache) + len(todo) >= 200_000:
            return
        lines = [u.lower().split("://", 1)[-1] for u in todo]
        low = "\n".join(lines)
        if low.count("\n") != len(todo) - 1:  # a URL with a line break of its own: one at a time
            for u in todo:
                self.url_topics(u)
            return
        starts = [0, *accumulate(len(line) + 1 for line in lines[:-1])]
        found = _topics_by_line(self.url_pattern, self.frag_topics, low, starts)
        none = self._none
        for i, u in enumerate(todo):
            got = found.get(i)
            cache[u] = frozenset(got) if got else none

    def url_topics(self, url: str) -> frozenset[str]:
        """The topics whose URL fragments start a segment of the URL's path (or host, for portals)."""
        got = self._url_cache.get(url)
        if got is None:
            low = url.lower()
            low = low.split("://", 1)[-1]
            got = frozenset(t for m in self.url_pattern.finditer(low) for t in self.frag_topics.get(m.group(), ())) \
                if self.url_pattern is not None else frozenset()
            if len(self._url_cache) < 200_000:
                self._url_cache[url] = got
        return got


def _topics_by_line(pattern: re.Pattern, table: dict[str, set[str]], low: str,
                    starts: list[int]) -> dict[int, set[str]]:
    """{line: topics} of many texts joined (line i starts at starts[i]): one scan, each match's table entry."""
    found: dict[int, set[str]] = {}
    for m in pattern.finditer(low):
        topics = table.get(m.group())
        if topics:
            found.setdefault(bisect_right(starts, m.start()) - 1, set()).update(topics)
    return found


_NEWLINE = re.compile("\n")
_MATCHERS: dict[int, TopicMatcher] = {}


def matcher_for(lexicons: Lexicons) -> TopicMatcher:
    """The matcher of a lexicon set, built once per set."""
    m = _MATCHERS.get(id(lexicons))
    if m is None or m.lexicons is not lexicons:
        m = _MATCHERS[id(lexicons)] = TopicMatcher(lexicons)
    return m
