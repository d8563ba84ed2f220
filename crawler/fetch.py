"""One HTTP fetch, done carefully: redirects hop by hop, addresses checked, size capped while streaming.

Redirects are followed by hand so that every hop is checked (scheme, loopback/private addresses unless the
site allows them, loops) and kept as evidence. The body is read in chunks and cut at the configured limit,
never read whole and trimmed afterwards. Failures come back as a `Fetched` with an error kind, never as an
exception, so one bad URL cannot stop a site and one bad site cannot stop a round.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from crawler.config import CrawlSettings
from crawler.documents import is_html

MAX_REDIRECTS = 10
CHUNK = 64 * 1024


@dataclass
class Hop:
    """One HTTP response on the way (a redirect, or the final answer)."""

    url: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    truncated: bool = False


@dataclass
class Fetched:
    url: str
    final_url: str
    hops: list[Hop] = field(default_factory=list)  # redirects first, the final response last
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    error_kind: str = ""  # '' | dns | refused | timeout-connect | timeout-read | tls | redirect-loop | ...
    error: str = ""
    elapsed_ms: int = 0

    @property
    def final(self) -> Hop | None:
        return self.hops[-1] if self.hops else None

    @property
    def status(self) -> int | None:
        return self.hops[-1].status if self.hops else None

    def header(self, name: str) -> str:
        if not self.hops:
            return ""
        name = name.lower()
        return next((v for k, v in self.hops[-1].headers if k.lower() == name), "")


def address_problem(host: str) -> str:
    """Why a host may not be fetched from ('' if every address it resolves to is public)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return ""  # the fetch itself will report the DNS failure
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            return f"{host} resolves to {ip}, a loopback, private or link-local address"
    return ""


def new_session(settings: CrawlSettings) -> requests.Session:
    """A requests session sending our User-Agent, ignoring proxy settings from the environment."""
    s = requests.Session()
    s.headers.update({"User-Agent": settings.agent(), "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                      "Accept-Language": "kk,ru;q=0.9,en;q=0.8"})
    s.trust_env = False  # no proxies or netrc from the environment: an audit's traffic should be explicit
    if not settings.verify_tls:
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return s


class Fetcher:
    """GETs for one site's crawl: one keep-alive session, address checks cached per host."""

    def __init__(self, settings: CrawlSettings, private_ok: Callable[[str], bool] = lambda _host: False):
        self.settings = settings
        self.session = new_session(settings)
        self.private_ok = private_ok  # hosts that may be private (the site's own, with allow_private)
        self._refused: dict[str, str] = {}

    def refused(self, host: str) -> str:
        """Why requests to this host are refused ('' if they are not)."""
        if self.settings.allow_private and self.private_ok(host):
            return ""
        if host not in self._refused:
            self._refused[host] = address_problem(host)
        return self._refused[host]

    def get(self, url: str, *, verify: bool = True, max_bytes: int | None = None) -> Fetched:
        """GET a URL, following redirects by hand; never raises for network trouble."""
        s = self.settings
        out = Fetched(url=url, final_url=url)
        seen = set()
        current = url
        started = time.monotonic()
        try:
            for _ in range(MAX_REDIRECTS + 1):
                parts = urlsplit(current)
                if parts.scheme not in ("http", "https"):
                    out.error_kind, out.error = "scheme", f"refused {parts.scheme or 'relative'} URL {current}: only http and https"
                    return out
                why = self.refused((parts.hostname or "").lower())
                if why:
                    out.error_kind, out.error = "private-address", f"refused {current}: {why}"
                    return out
                if current in seen:
                    out.error_kind, out.error = "redirect-loop", f"redirect loop back to {current}"
                    return out
                seen.add(current)
                resp = self.session.get(current, stream=True, allow_redirects=False, verify=verify,
                                        timeout=(s.timeout_connect, s.timeout_read))
                if not out.request_headers:
                    out.request_headers = list(resp.request.headers.items())
                hop = Hop(current, resp.status_code, resp.reason or "", list(resp.raw.headers.items()))
                out.final_url = current
                location = resp.headers.get("Location")
                if resp.is_redirect and location:
                    hop.body, _ = _read_capped(resp, CHUNK)
                    out.hops.append(hop)
                    current = urljoin(current, location.strip())
                    continue
                if max_bytes is not None:
                    limit = max_bytes
                else:
                    html = is_html(resp.headers.get("Content-Type", "")) or not resp.headers.get("Content-Type")
                    limit = s.max_page_bytes if html else s.max_document_bytes
                hop.body, hop.truncated = _read_capped(resp, limit)
                out.hops.append(hop)
                return out
            out.error_kind, out.error = "too-many-redirects", f"more than {MAX_REDIRECTS} redirects from {url}"
            return out
        except requests.exceptions.SSLError as exc:
            out.error_kind, out.error = "tls", _short(exc)
        except requests.exceptions.ConnectTimeout as exc:
            out.error_kind, out.error = "timeout-connect", _short(exc)
        except requests.exceptions.ReadTimeout as exc:
            out.error_kind, out.error = "timeout-read", _short(exc)
        except requests.exceptions.ConnectionError as exc:
            out.error_kind, out.error = _connection_kind(exc), _short(exc)
        except requests.exceptions.RequestException as exc:
            out.error_kind, out.error = "request", _short(exc)
        finally:
            out.elapsed_ms = int((time.monotonic() - started) * 1000)
        return out

    def close(self) -> None:
        self.session.close()


def _read_capped(resp: requests.Response, limit: int) -> tuple[bytes, bool]:
    chunks, size = [], 0
    try:
        for chunk in resp.iter_content(CHUNK):
            if size + len(chunk) > limit:
                chunks.append(chunk[: limit - size])
                return b"".join(chunks), True
            chunks.append(chunk)
            size += len(chunk)
    finally:
        resp.close()
    return b"".join(chunks), False


def _connection_kind(exc: Exception) -> str:
    text = repr(exc)
    if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text \
            or "nodename nor servname" in text or "Temporary failure in name resolution" in text:
        return "dns"
    if "Connection refused" in text or "ConnectionRefusedError" in text:
        return "refused"
    if "Read timed out" in text:
        return "timeout-read"
    if "RemoteDisconnected" in text or "Connection aborted" in text or "ConnectionResetError" in text:
        return "connection-reset"
    return "connection"


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 300 else text[:297] + "..."
