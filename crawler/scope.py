"""Which URLs belong to a site: its hosts (subdomains only if allowed), and its path prefixes on a shared host.

Since about 2020 most Kazakh ministries live under one host, www.gov.kz, each under its own path
(/memleket/entities/<body>); `paths` keeps a site to its part of the host it starts on (further hosts listed
in `hosts` are the site's whole). Documents are exempt from the path rule because such portals keep uploaded
files under a common folder. A site whose start URL redirects to a new host (it
moved) takes that host in too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.config import CrawlSettings, Site
from crawler.links import looks_like_document


class Scope:
    """The hosts and paths of one site."""

    def __init__(self, site: Site, settings: CrawlSettings):
        self.hosts = set(site.allowed_hosts())
        self.paths = tuple(site.paths)
        # The path rule is for the shared host the site starts on; hosts listed besides are the site's whole.
        self.shared = {(urlsplit(u).hostname or "").lower() for u in site.start_urls().values()} - {h.lower() for h in site.hosts}
        self.subdomains = settings.allow_subdomains

    def own_host(self, host: str) -> bool:
        """Whether a host is one of the site's (or a subdomain of one, where subdomains are allowed)."""
        host = host.lower().rstrip(".")
        return host in self.hosts or (self.subdomains and any(host.endswith("." + h) for h in self.hosts))

    def contains(self, url: str) -> bool:
        """Whether the crawl may follow a link to this URL."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not self.own_host(parts.hostname or ""):
            return False
        if self.paths and (parts.hostname or "").lower() in self.shared and not looks_like_document(url):
            return any(parts.path == p.rstrip("/") or parts.path.startswith(p.rstrip("/") + "/") for p in self.paths)
        return True

    def add_host(self, host: str) -> None:
        self.hosts.add(host.lower())
