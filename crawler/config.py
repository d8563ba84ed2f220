"""The site configuration (sites.yaml) and the crawl settings, validated with pydantic.

sites.yaml names the audit, the crawl defaults and the sites: for each an id, names per language (English
required), the URL as the study printed it (kept even when misspelt or gone) and optionally the current URL,
per-language start URLs, extra hosts and any crawl setting. Settings resolve with an explicit precedence:
the crawler's defaults < the file's `defaults:` < the site's own values < command-line flags.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Optional
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from rubric.yamlfile import InputError, Problem, line_of, load_located, pydantic_problems

KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TOOL_NAME = "egov-survey"
TOOL_VERSION = "0.1"
DEFAULT_CONTACT = "https://github.com/egov-survey/egov-survey"


class CrawlSettings(BaseModel):
    """How one site is crawled. Every field can be set in `defaults:`, per site, or on the command line.

    Grouped as in docs/configuration.md (a test keeps the two in step); in each group the flag that turns the
    group on comes first.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Politeness
    robots: bool = True  # obey robots.txt (and its Crawl-delay): the site owner's stated wish
    delay: float = Field(1.0, ge=0)  # seconds between requests to one host (scheme + name + port), across sites
    user_agent: str = ""  # empty: "egov-survey/<version> (+<contact_url>)"
    contact_url: str = DEFAULT_CONTACT  # named in the User-Agent so site owners can reach the auditor
    max_retry_after: float = Field(300, ge=0)  # a longer Retry-After gives the URL up instead of stalling the site
    # Scope and limits
    max_pages: int = Field(60, ge=1)  # responses stored per site (pages and documents)
    max_depth: int = Field(4, ge=0)  # link hops from a start URL
    max_bytes: int = Field(50_000_000, ge=1)  # bytes stored per site
    max_seconds: float = Field(900, gt=0)  # wall-clock budget per site
    max_page_bytes: int = Field(5_000_000, ge=1024)  # an HTML response is truncated (and marked) past this
    max_document_bytes: int = Field(20_000_000, ge=1024)  # a document (PDF, XLSX, ...) is truncated past this
    allow_subdomains: bool = False  # follow links to subdomains of the site's hosts
    # Discovery
    sitemaps: bool = True  # read the sitemaps robots.txt names, else /sitemap.xml
    max_sitemaps: int = Field(5, ge=0)  # sitemap files read per host (an index counts its children)
    # Crawler traps
    traps: bool = True  # cap URL patterns (calendars, endless queries) and drop trap-shaped URLs
    trap_max_per_pattern: int = Field(20, ge=1)  # URLs fetched per pattern (digits and query values masked)
    trap_max_query_params: int = Field(8, ge=0)  # more query parameters than this: a trap
    trap_max_url_length: int = Field(1000, ge=50)  # a longer URL: a trap
    trap_max_repeats: int = Field(2, ge=1)  # a path segment repeated more often than this: a trap
    # Network
    timeout_connect: float = Field(10, gt=0)  # seconds to open a connection
    timeout_read: float = Field(30, gt=0)  # seconds to wait for the next bytes of an answer
    retries: int = Field(2, ge=0)  # extra attempts after a timeout, 429 or 5xx (0: none)
    retry_backoff: float = Field(2.0, ge=0)  # seconds before the first retry, doubled for each further one
    verify_tls: bool = True  # False: record certificate errors but proceed
    allow_private: bool = False  # the site's own hosts may be loopback/private (the demo and tests)
    # Browser
    render: Literal["auto", "always", "never"] = "auto"  # auto: when the static HTML needs scripts
    render_timeout: float = Field(20, gt=0)  # seconds for a page to load in the browser
    max_renders: int = Field(30, ge=0)  # pages rendered per site
    render_max_requests: int = Field(60, ge=1)  # requests one rendered page may make (scripts, styles, images)
    screenshots: bool = True  # a full-page screenshot of each language version's home page
    # Evidence store
    flush_every: int = Field(20, ge=1)  # responses written between WARC fsync + index commit
    warc_max_bytes: int = Field(1_000_000_000, ge=1_000_000)  # a site's WARC file rolls over past this size

    def agent(self) -> str:
        """The User-Agent header: the tool, its version and the contact URL, unless `user_agent` is set."""
        return self.user_agent or f"{TOOL_NAME}/{TOOL_VERSION} (+{self.contact_url})"

    def merged(self, *layers: dict[str, Any] | None) -> "CrawlSettings":
        """These settings overridden by each layer in turn (later layers win; None values are skipped)."""
        values = self.model_dump()
        for layer in layers:
            values.update({k: v for k, v in (layer or {}).items() if v is not None})
        return CrawlSettings.model_validate(values)


SETTING_NAMES = tuple(CrawlSettings.model_fields)

# Per-site overrides: every setting, optional (None = inherit).
SiteOverrides = create_model(
    "SiteOverrides",
    __config__=ConfigDict(extra="forbid", frozen=True),
    **{name: (Optional[Annotated[(f.annotation, *f.metadata)] if f.metadata else f.annotation], None)
       for name, f in CrawlSettings.model_fields.items()},
)


def normalise_url(url: str) -> str:
    """A printed URL such as 'www.mvd.kz' as a fetchable one ('http://www.mvd.kz/')."""
    url = url.strip()
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        url = "http://" + url
    parts = urlsplit(url)
    return url if parts.path else url + "/"


def _check_url(v: str | None, field: str) -> str | None:
    if v is None:
        return v
    v = str(v).strip()
    parts = urlsplit(normalise_url(v))
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{field} {v!r} must be an http or https address")
    if not parts.hostname or " " in v:
        raise ValueError(f"{field} {v!r} is not a web address (expected e.g. www.example.kz or https://example.kz/)")
    return v


class Site(SiteOverrides):  # type: ignore[misc, valid-type]
    """One audited site."""

    id: str
    name: dict[str, str]
    url: str  # as printed in the study, even if misspelt or gone
    current_url: Optional[str] = None  # where the body's site lives now, if it moved
    urls: dict[str, str] = {}  # per-language start URLs, e.g. {kk: .../kz, ru: .../ru, en: .../en}
    hosts: list[str] = []  # further hosts that belong to the site
    paths: list[str] = []  # if set, only these URL path prefixes are the site (for bodies sharing one host)
    kind: str = "ministry"
    notes: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not KEBAB.match(v):
            raise ValueError(f"id {v!r} must be kebab-case, e.g. ministry-of-health")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: dict[str, str]) -> dict[str, str]:
        if not str(v.get("en") or "").strip():
            raise ValueError("needs an English name: name: {en: ..., ru: ..., kk: ...}")
        return {k: str(x) for k, x in v.items()}

    @field_validator("url")
    @classmethod
    def _url(cls, v):
        return _check_url(v, "url")

    @field_validator("current_url")
    @classmethod
    def _current(cls, v):
        return _check_url(v, "current_url")

    @field_validator("urls")
    @classmethod
    def _urls(cls, v):
        return {k: _check_url(u, f"urls.{k}") for k, u in v.items()}

    def start_urls(self) -> dict[str, str]:
        """Start URLs keyed by language version ('' for the main one): the current address if known."""
        main = normalise_url(self.current_url or self.url)
        out = {"": main}
        for lang, u in self.urls.items():
            out[lang] = normalise_url(u)
        return out

    def allowed_hosts(self) -> set[str]:
        """The site's hosts: those of its start URLs and its `hosts` list (lower case)."""
        hosts = {urlsplit(u).hostname for u in self.start_urls().values()}
        hosts |= {h.lower() for h in self.hosts}
        return {h for h in hosts if h}

    @field_validator("paths")
    @classmethod
    def _paths(cls, v):
        for p in v:
            if not str(p).startswith("/"):
                raise ValueError(f"path {p!r} must start with '/', e.g. /memleket/entities/mfa")
        return v

    def overrides(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in SETTING_NAMES if getattr(self, k) is not None}

    def display_name(self, lang: str = "en") -> str:
        return self.name.get(lang) or self.name["en"]


class SurveyInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str = "Website audit"
    country: str = ""  # ISO 3166-1 alpha-3, for the UN E-Government context
    description: str = ""


class SitesConfig(BaseModel):
    """A whole sites.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    survey: SurveyInfo = SurveyInfo()
    defaults: SiteOverrides = SiteOverrides()  # type: ignore[valid-type]
    sites: list[Site] = Field(min_length=1)
    path: str = ""
    sha256: str = ""

    def site(self, site_id: str) -> Site:
        for s in self.sites:
            if s.id == site_id:
                return s
        raise KeyError(site_id)

    def settings_for(self, site: Site, cli: dict[str, Any] | None = None, base: CrawlSettings | None = None) -> CrawlSettings:
        """Crawler defaults < file defaults < the site's values < command-line values."""
        base = base or CrawlSettings()
        return base.merged(self.defaults.model_dump(exclude_none=True), site.overrides(), cli)


def load_sites(path: str | Path) -> SitesConfig:
    """Load and validate a sites file; raise InputError with one located line per problem."""
    path = Path(path)
    name = str(path)
    data, lines = load_located(path)
    if not isinstance(data, dict):
        raise InputError([Problem(name, 1, "", "a sites file must be a mapping with a `sites:` list")])
    problems = _duplicate_ids(data.get("sites"), lines, name)
    try:
        cfg = SitesConfig.model_validate(data)
    except ValidationError as exc:
        problems = pydantic_problems(exc, name, lines, data) + problems
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line or 0))
    return cfg.model_copy(update={"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})


def _duplicate_ids(sites: Any, lines, name: str) -> list[Problem]:
    problems, seen = [], {}
    for i, s in enumerate(sites if isinstance(sites, list) else []):
        sid = s.get("id") if isinstance(s, dict) else None
        if not isinstance(sid, str):
            continue
        if sid in seen:
            problems.append(Problem(name, line_of(lines, ("sites", i, "id")), f"sites[{i}].id",
                                    f"id {sid!r} is already used by sites[{seen[sid]}]; site ids must be unique"))
        else:
            seen[sid] = i
    return problems
