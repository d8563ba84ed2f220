"""The frontier: which URL to fetch next, guided by what the rubric asks about, and guarded against traps.

A link's priority comes from the topics (rubric/lexicon: contacts, forms, budget, procurement, login,
language versions, ...) that its text or its address points to (the text counts for more: a path segment
such as /finance/ also names every filler page below it). A link with no topic of its own, found on a
page reached for a topic, inherits that topic a little weaker (a budget section's sub-pages are likely budget
pages), fading with each hop. Each page already fetched for a topic in one language version lowers that
topic's further links by one, and the links of every topic of the same rubric criterion by one more, so a small
page budget spreads over the criteria, and the topics within each, in every language instead of reading thirty
news items or every form. Ties go to the shallower link, then to the earlier found, so a crawl's order is
reproducible: a resumed crawl that re-reads the stored pages in fetch order rebuilds the same frontier.

Crawler traps (calendars, endless query strings, session ids, repeated path segments) are met by URL
normalisation (crawler.links), by refusing trap-shaped URLs, and by capping how many URLs of one pattern
(digits and query values masked) are fetched.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from crawler.config import CrawlSettings
from rubric.lexicons import Lexicons

START_PRIORITY = 100  # start URLs (one per language version) always come first
INHERIT_STEP = 3  # how much weaker a topic is one hop further from the link that named it
URL_ONLY = 2  # a topic named only by the address (/finance/item7) is weaker than one the link text names
LANGUAGE_TOPIC = "language-version"


@dataclass(order=True)
class Item:
    """A URL waiting in the frontier."""

    sort: tuple
    url: str = field(compare=False)
    depth: int = field(compare=False)
    lang: str = field(compare=False)
    referrer: str = field(compare=False)
    text: str = field(compare=False)
    score: int = field(compare=False)  # static priority: own topics or inherited
    topic: str = field(compare=False)  # the topic the score comes from ('' if none)
    stale: bool = field(default=False, compare=False)  # replaced by a shallower copy


class Frontier:
    """A priority queue of URLs with topic-aware scores, re-weighed lazily as topics get covered."""

    def __init__(self, lexicons: Lexicons, settings: CrawlSettings):
        self.lexicons = lexicons
        self.settings = settings
        self.traps = TrapGuard(settings)
        self._heap: list[Item] = []
        self._seq = itertools.count()
        self.seen: set[str] = set()
        self.covered: Counter = Counter()  # (topic, lang) -> pages fetched
        self._topic_cache: dict[tuple[str, str], dict[str, int]] = {}
        self._queued: dict[str, Item] = {}  # waiting URLs, to lower their depth when found nearer the start

    def __len__(self) -> int:
        return len(self._heap)

    def settled(self, url: str) -> bool:
        """Whether a URL was seen and is no longer waiting (fetched, failed or refused)."""
        return url in self.seen and url not in self._queued

    def topics(self, text: str, url: str) -> dict[str, int]:
        """The topics a link's text or address points to, with the priority each gives the link."""
        key = (text, urlsplit(url).path)
        found = self._topic_cache.get(key)
        if found is None:
            if len(self._topic_cache) > 100_000:
                self._topic_cache.clear()
            # Menus repeat on every page of a site: each link text and path is matched against the lexicons once.
            found = self._topic_cache[key] = self._match(*key)
        return found

    def _match(self, text: str, path: str) -> dict[str, int]:
        lex = self.lexicons
        found = {t: lex.topics[t].priority - URL_ONLY for t in lex.topics_in_url(path) if t in lex.topics}
        found.update({t: lex.topics[t].priority for t in lex.topics_in_text(text) if t in lex.topics})
        if lex.language_of_label(text) and LANGUAGE_TOPIC in lex.topics:
            found[LANGUAGE_TOPIC] = lex.topics[LANGUAGE_TOPIC].priority
        return found

    def score(self, text: str, url: str, parent: Item | None) -> tuple[int, str]:
        """A link's static priority and the topic it comes from."""
        prio = self.topics(text, url)
        best = max(prio, key=lambda t: (prio[t], t), default="")
        score, topic = (prio[best], best) if best else (0, "")
        if parent is not None and parent.topic and parent.topic != LANGUAGE_TOPIC and parent.score < START_PRIORITY:
            inherited = parent.score - INHERIT_STEP
            if inherited > score:
                score, topic = inherited, parent.topic
        return score, topic

    def push(self, url: str, depth: int, lang: str, referrer: str = "", text: str = "", parent: Item | None = None,
             *, start: bool = False) -> Item | None:
        """Queue a URL (already in scope) unless seen, too deep or trap-shaped; return the queued item."""
        if depth > self.settings.max_depth:
            return None
        if url in self.seen:
            old = self._queued.get(url)
            if old is not None and depth < old.depth:
                # Found again nearer a start URL: depth counts the fewest hops known, whichever link came first.
                old.stale = True
                item = Item((old.sort[0], depth, old.sort[2]), url, depth, old.lang, old.referrer, old.text, old.score,
                            old.topic)
                self._queued[url] = item
                heapq.heappush(self._heap, item)
            return None
        if self.settings.traps and self.traps.shape(url):
            return None
        self.seen.add(url)
        score, topic = (START_PRIORITY, "") if start else self.score(text, url, parent)
        item = Item((-score, depth, next(self._seq)), url, depth, lang, referrer, text, score, topic)
        heapq.heappush(self._heap, item)
        self._queued[url] = item
        return item

    def effective(self, item: Item) -> int:
        """The item's priority now: its score, lowered by one per page already fetched for its topic, and by
        one per page already fetched for its topic's criterion, in its language version."""
        if not item.topic or item.score >= START_PRIORITY:
            return item.score
        criterion = self._criterion(item.topic)
        lowered = self.covered[(item.topic, item.lang)] + self.covered[(criterion, item.lang)]
        return max(min(item.score, 1), item.score - lowered)

    def _criterion(self, topic: str) -> str:
        info = self.lexicons.topics.get(topic)
        return "criterion:" + (info.criterion if info else topic)

    def pop(self) -> Item | None:
        """The URL to fetch next (None when empty)."""
        while self._heap:
            item = heapq.heappop(self._heap)
            if item.stale:
                continue
            now = self.effective(item)
            if now < -item.sort[0]:
                # Priorities only fall, so an item that still leads at its current priority truly leads.
                item.sort = (-now, item.sort[1], item.sort[2])
                heapq.heappush(self._heap, item)
                continue
            del self._queued[item.url]
            return item
        return None

    def fetched(self, item: Item) -> None:
        """Count a fetched page towards its topic's and its criterion's coverage."""
        if item.topic:
            self.covered[(item.topic, item.lang)] += 1
            self.covered[(self._criterion(item.topic), item.lang)] += 1


_DIGITS = re.compile(r"\d+")
_HEXISH = re.compile(r"^[0-9a-f]{12,}$|^[0-9a-f-]{32,36}$", re.IGNORECASE)


def url_pattern(url: str) -> str:
    """The shape of a URL: digit runs and long ids masked, query values dropped and keys sorted."""
    p = urlsplit(url)
    segments = ["X" if _HEXISH.match(s) else _DIGITS.sub("N", s) for s in p.path.split("/")]
    keys = sorted({k for k, _ in parse_qsl(p.query, keep_blank_values=True)})
    return f"{p.netloc}{'/'.join(segments)}" + ("?" + "&".join(f"{k}=" for k in keys) if keys else "")


class TrapGuard:
    """Trap-shaped URLs are refused at once; each URL pattern is fetched at most `trap_max_per_pattern` times."""

    def __init__(self, settings: CrawlSettings):
        self.settings = settings
        self.counts: Counter = Counter()
        self.refused: Counter = Counter()  # reason -> URLs refused

    def shape(self, url: str) -> str:
        """Why a URL looks like a trap by its shape alone ('' if it does not)."""
        s = self.settings
        p = urlsplit(url)
        reason = ""
        if len(url) > s.trap_max_url_length:
            reason = f"URL longer than {s.trap_max_url_length} characters"
        elif len(parse_qsl(p.query, keep_blank_values=True)) > s.trap_max_query_params:
            reason = f"more than {s.trap_max_query_params} query parameters"
        else:
            segs = [x for x in p.path.split("/") if x]
            repeated = max(Counter(segs).values(), default=0)
            if repeated > s.trap_max_repeats:
                reason = f"a path segment repeated {repeated} times"
        if reason:
            self.refused[reason] += 1
        return reason

    def admit(self, url: str) -> tuple[bool, str]:
        """Whether one more URL of this pattern may be fetched; the pattern either way."""
        pattern = url_pattern(url)
        if self.counts[pattern] >= self.settings.trap_max_per_pattern:
            return False, pattern
        self.counts[pattern] += 1
        return True, pattern
