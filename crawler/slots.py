"""Per-host download slots: one request at a time to a host, with a pause between requests.

A host is scheme + name + port, so http and https of one name, or two ports of one address, are separate
servers. Since 2020 most Kazakh ministries live under one host (www.gov.kz), so the slots must be shared by
every site crawled at once, not kept per site: the store hands them out (`store.host_slot(key)`), and a
`HostSlots` table is what a store running in one process holds. A store spread over processes or machines would
hand out slots backed by something they all see (a row per host in the round database, or a lock server);
the crawler only calls `turn` and `defer`.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit


def host_key(url: str) -> str:
    """The politeness key of a URL: scheme://name:port, with the default port written out."""
    p = urlsplit(url)
    port = p.port or (443 if p.scheme == "https" else 80)
    return f"{p.scheme}://{(p.hostname or '').lower()}:{port}"


class HostSlot:
    """One host's slot: a lock held for the whole request, and the earliest time of the next request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_at = 0.0  # time.monotonic() before which no request may start

    @contextmanager
    def turn(self, delay: float, stop: threading.Event | None = None) -> Iterator[None]:
        """Wait for the host to be free and rested, hold it during the request, then rest it for `delay`."""
        stop = stop or threading.Event()
        # One request at a time: a government server shared by twenty ministries should see one auditor, not twenty.
        with self._lock:
            wait = self._next_at - time.monotonic()
            while wait > 0 and not stop.is_set():
                stop.wait(wait)
                wait = self._next_at - time.monotonic()
            try:
                yield
            finally:
                # The pause counts from the end of the answer, so a slow server is given more rest, not less.
                self._next_at = max(self._next_at, time.monotonic() + delay)

    def defer(self, seconds: float) -> None:
        """Keep every site off this host for `seconds` (a Retry-After from the server)."""
        # Retry-After speaks for the server, not for one URL: it holds for every site that shares the host.
        self._next_at = max(self._next_at, time.monotonic() + seconds)


class HostSlots:
    """The slots of every host, created on first use; safe to share between threads."""

    def __init__(self) -> None:
        self._slots: dict[str, HostSlot] = {}
        self._lock = threading.Lock()

    def __call__(self, key: str) -> HostSlot:
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = HostSlot()
            return slot
