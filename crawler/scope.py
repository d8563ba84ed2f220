"""Which URLs belong to a site: its hosts (subdomains only if allowed), and its path prefixes on a shared host.

Since about 2020 most Kazakh ministries live under one host, www.gov.kz, each under its own path
(/memleket/entities/<body>); `paths` keeps a site to its part of the host it starts on (further hosts listed
in `hosts` are the site's whole). Documents are exempt from the path rule because such portals keep uploaded
files under a common folder. A site whose start URL redirects to a new host (it moved) takes that host in
too; if it moved into a folder of the new host (www.mvd.kz -> www.gov.kz/memleket/entities/qriim), only that
folder, since the new host is likely a portal shared by many bodies.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.config import CrawlSettings, Site
from crawler.links import looks_like_document


class Scope:
    """The hosts and paths of one site."""

    def __init__(self, site: Site, settings: CrawlSettings):
        self.hosts = set(site.allowed_hosts())
        # Path prefixes per host: the rule is for the shared host the site starts on (hosts listed besides are
        # the site's whole), and for a host the site moved into a folder of.
        shared = {(urlsplit(u).hostname or "").lower() for u in site.start_urls().values()} - {h.lower() for h in site.hosts}
        self.paths: dict[str, tuple[str, ...]] = {h: tuple(site.paths) for h in shared} if site.paths else {}
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
        prefixes = self.paths.get((parts.hostname or "").lower())
        if prefixes and not looks_like_document(url):
            return any(parts.path == p.rstrip("/") or parts.path.startswith(p.rstrip("/") + "/") for p in prefixes)
        return True

    def add_host(self, host: str, folder: str = "") -> None:
        """Take in a host the site moved to; with `folder` (a path such as /memleket/entities/qriim), only that part."""
        host = host.lower()
        if host in self.hosts:
            return
        self.hosts.add(host)
        folder = folder.rstrip("/")
        if folder:
            self.paths[host] = (folder,)


def moved_folder(path: str) -> str:
    """The folder a moved site now lives in: the redirect target's path without a file name ('' for the root)."""
    segments = [p for p in path.split("/") if p]
    if segments and "." in segments[-1]:
        segments = segments[:-1]  # /ru/index.html -> /ru
    # A language folder alone (/ru, /kk) is not a sub-site: the whole host is the site.
    if len(segments) == 1 and len(segments[0]) <= 3:
        return ""
    return "/" + "/".join(segments) if segments else ""
