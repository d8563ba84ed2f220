"""robots.txt: what a host allows us, how long it asks us to wait, and which sitemaps it names (via protego).

The answer to the robots.txt request decides, as RFC 9309 says: a 2xx body holds the rules; a 4xx means there
are none (everything allowed); a 5xx or a network failure means the rules cannot be known, and then nothing
may be fetched. Crawl-delay and Request-rate lengthen the per-host delay, never shorten it.
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

ROBOTS_MAX_BYTES = 512_000  # RFC 9309: parse at least 500 KiB


@dataclass
class Robots:
    """One host's robots rules as understood from the answer to /robots.txt."""

    rules: Protego | None = None  # None: no rules (everything allowed, unless disallow_all)
    disallow_all: bool = False
    why: str = ""  # how the answer was read, for the findings

    def allows(self, url: str, agent: str) -> bool:
        """Whether robots.txt lets our user agent fetch the URL."""
        if self.disallow_all:
            return False
        return self.rules is None or self.rules.can_fetch(url, agent)

    def delay(self, agent: str) -> float:
        """The seconds between requests the host asks for (0 if it does not say)."""
        if self.rules is None:
            return 0.0
        delay = float(self.rules.crawl_delay(agent) or 0)
        rate = self.rules.request_rate(agent)
        if rate is not None and rate.requests:
            delay = max(delay, rate.seconds / rate.requests)
        return delay

    def sitemaps(self) -> list[str]:
        """The sitemap URLs robots.txt names, in order."""
        return list(self.rules.sitemaps) if self.rules is not None else []


def robots_from_answer(status: int | None, text: str, error: str = "") -> Robots:
    """Robots rules from the answer to a robots.txt request (status None: no answer at all)."""
    if status is None:
        # RFC 9309 2.3.1.4: unreachable robots.txt means complete disallow; a site down for us is down anyway.
        return Robots(disallow_all=True, why=f"robots.txt could not be fetched ({error}); nothing fetched")
    if 200 <= status < 300:
        return Robots(rules=Protego.parse(text), why="robots.txt read")
    if 400 <= status < 500:
        return Robots(why=f"robots.txt answered {status}: no rules, everything allowed")
    return Robots(disallow_all=True, why=f"robots.txt answered {status}: rules unknown, nothing fetched")
