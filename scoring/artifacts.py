"""What the checks see of a site: its stored pages, documents, findings and screenshots, as plain objects.

The program reads these from the evidence store (WARC + index) and hands them over; checks never touch the
network or the database. Each page is parsed once, lazily, into an lxml tree that every check shares, and its
links and visible text are computed once too (a bare lxml parse runs at about 1,000 pages/s on real
government pages; a BeautifulSoup tree at about 60, so BeautifulSoup stays out of this path).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable
from urllib.parse import urljoin, urlsplit

from lxml import etree

DOCUMENT_EXT = re.compile(r"\.(pdf|docx?|xlsx?|rtf|odt|ods|zip|rar|7z|pptx?|csv)$", re.IGNORECASE)
# The same on a whole URL (its path ends before any query), without splitting it: links are many.
DOCUMENT_URL = re.compile(r"^[^?#]*\.(pdf|docx?|xlsx?|rtf|odt|ods|zip|rar|7z|pptx?|csv)(?:[?#]|$)", re.IGNORECASE)
_INVISIBLE_BODY = ("script", "style", "noscript", "template")


_PARSERS = threading.local()  # an lxml parser must not be shared between threads


def parse_html(text: str):
    """An lxml tree of decoded HTML as a visitor meets it, or None for an empty or unparseable page.

    Comments, and the body's scripts, styles, noscript and template elements, are dropped: checks read what a
    visitor sees (a commented-out poll is no poll), and the raw HTML stays in `Page.text` for anything else.
    """
    if not text or not text.strip():
        return None
    try:
        parser = getattr(_PARSERS, "parser", None)
        if parser is None:
            # lxml.etree's parser, not lxml.html's: the same tree without a Python class lookup per element.
            parser = _PARSERS.parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
        tree = etree.fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    if tree is None:
        return None
    body = tree.find("body")
    if body is not None:
        etree.strip_elements(body, *_INVISIBLE_BODY, with_tail=False)
    return tree


class PageLink:
    """One link of a page: absolute URL, visible text, element, and (worked out on first use) its region."""

    __slots__ = ("url", "text", "element", "_region", "_resolve")

    def __init__(self, url: str, text: str, element: object = None, region: str | None = None,
                 resolve: Callable[[object], str] | None = None):
        self.url = url  # absolute, without fragment (mailto: and tel: links are kept as written)
        self.text = text  # visible text, or title/alt
        self.element = element  # the lxml element
        self._region = region
        self._resolve = resolve

    @property
    def region(self) -> str:
        """main | nav | header | footer | aside: the innermost landmark around the link."""
        if self._region is None:
            self._region = self._resolve(self.element) if self._resolve and self.element is not None else "main"
        return self._region

    def __eq__(self, other) -> bool:
        return isinstance(other, PageLink) and (self.url, self.text) == (other.url, other.text)

    def __hash__(self) -> int:
        return hash((self.url, self.text))

    def __repr__(self) -> str:
        return f"PageLink({self.url!r}, {self.text!r})"


@dataclass(frozen=True)
class Outline:
    """What the checks read of a page's body: its visible text, its links with their region, its headings."""

    text: str  # all visible text, whitespace collapsed
    links: list[PageLink]
    headings: list[tuple[str, str, object]]  # (tag, text, element)


_TEXT_NODES = etree.XPath(".//text()", smart_strings=False)
_REGION_TAGS = {"nav": "nav", "header": "header", "footer": "footer", "aside": "aside", "menu": "nav"}
# Class or id tokens that mark menus and page furniture on sites without HTML5 landmarks.
_REGION_HINT = re.compile(r"(?:^|[\s_-])(nav|navbar|navigation|menu|mainmenu|topmenu|footer|header|sidebar)(?:$|[\s_\d-])",
                          re.IGNORECASE)
_HINT_REGION = {"footer": "footer", "header": "header", "sidebar": "aside"}
_HINT_TAGS = {"div", "ul", "ol", "section", "td", "table", "tr", "dl", "span"}


def _joiner(base: str) -> Callable[[str], str]:
    """A fast urljoin for one base: most hrefs are absolute or root-relative, and urljoin is slow."""
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    cache: dict[str, str] = {}

    def join(href: str) -> str:
        got = None
        if got is None:
            if href.startswith(("http://", "https://", "mailto:", "tel:")):
                got = href
            elif href.startswith("//"):
                got = f"{parts.scheme}:{href}"
            elif href.startswith("/"):
                got = origin + href
            else:
                got = urljoin(base, href)
            got = got.split("#", 1)[0]
        return got

    join.cache = cache  # type: ignore[attr-defined]  # raw href -> URL ('' for none), filled by the caller
    return join


_STRING = etree.XPath("string()", smart_strings=False)


def text_content(el) -> str:
    """An element's text with its descendants' (lxml.html's text_content for plain etree elements)."""
    return _STRING(el)


def _text_of(el) -> str:
    if len(el) == 0:  # most links and headings hold plain text: skip the slower text walk
        return " ".join((el.text or "").split())
    return " ".join(_STRING(el).split())


def _outline(tree, base_url: str) -> Outline:
    body = tree.find("body")
    root = body if body is not None else tree
    base = base_url
    for b in tree.iter("base"):
        if b.get("href"):
            try:
                base = urljoin(base_url, b.get("href").strip())
            except ValueError:
                pass
        break
    join = _joiner(base)
    # Text nodes joined by spaces: block elements must not run together ("ЗаявленияИнструкция").
    text = " ".join(" ".join(_TEXT_NODES(root)).split())
    memo: dict[object, str] = {}

    def region_of(el) -> str:
        """The innermost landmark around an element (a footer holds everything inside it); memoised per element,
        since the links of one menu share their ancestors."""
        chain = []
        cur = el.getparent()
        r = None
        while cur is not None:
            r = memo.get(cur)
            if r is not None:
                break
            chain.append(cur)
            cur = cur.getparent()
        r = r or "main"
        for anc in reversed(chain):
            own = _REGION_TAGS.get(anc.tag)
            if own is None and anc.tag in _HINT_TAGS:
                hint = anc.get("class") or anc.get("id")
                if hint:
                    m = _REGION_HINT.search(hint if anc.get("id") is None else f"{hint} {anc.get('id')}")
                    if m:
                        own = _HINT_REGION.get(m.group(1).lower(), "nav")
            if own is not None and r != "footer":
                r = own
            memo[anc] = r
        return r

    links: list[PageLink] = []
    cache = join.cache  # type: ignore[attr-defined]
    for el in root.iter("a", "area"):
        href = el.get("href")
        if not href:
            continue
        url = cache.get(href)
        if url is None:
            h = href.strip().strip("\"'")
            if not h or h.startswith(("#", "javascript:", "data:")):
                cache[href] = ""
                continue
            try:
                url = join(h)
            except ValueError:
                url = ""
            cache[href] = url
        if not url:
            continue
        if el.tag == "a":
            label = " ".join((el.text or "").split()) if len(el) == 0 else " ".join(_STRING(el).split())
        else:
            label = ""
        if not label:
            label = el.get("title") or el.get("aria-label") or ""
            if not label:
                img = next(el.iter("img"), None)
                label = (img.get("alt") or "") if img is not None else ""
            label = " ".join(label.split())
        links.append(PageLink(url, label, el, None, region_of))
    headings = [(h.tag, _text_of(h), h) for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    return Outline(text, links, headings)


@dataclass
class Page:
    """One stored HTML response."""

    url: str
    final_url: str
    status: int | None
    content_type: str
    text: str  # decoded HTML
    headers: list[tuple[str, str]] = field(default_factory=list)
    charset: str = ""
    lang_version: str = ""
    depth: int = 0
    link_text: str = ""  # text of the link that led here
    source: str = "crawl"  # crawl | render | import
    fetched_at: str = ""
    elapsed_ms: int = 0

    @cached_property
    def tree(self):
        return parse_html(self.text)

    @cached_property
    def outline(self) -> Outline:
        """One walk over the body: visible text, text outside menus, links with their region, headings."""
        tree = self.tree
        if tree is None:
            return Outline("", [], [])
        return _outline(tree, self.final_url)

    @property
    def links(self) -> list[PageLink]:
        """The page's a/area links, absolute, in document order."""
        return self.outline.links

    @property
    def visible_text(self) -> str:
        """The page's text as a reader sees it, whitespace collapsed (scripts and styles left out)."""
        return self.outline.text

    @property
    def headings(self) -> list[tuple[str, str, object]]:
        return self.outline.headings

    @cached_property
    def title(self) -> str:
        tree = self.tree
        if tree is None:
            return ""
        t = tree.find(".//title")
        return " ".join((text_content(t) if t is not None else "").split())

    @cached_property
    def html_lang(self) -> str:
        tree = self.tree
        return (tree.get("lang") or tree.get("xml:lang") or "").strip() if tree is not None else ""

    def header(self, name: str) -> str:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), "")

    @property
    def path(self) -> str:
        return urlsplit(self.final_url).path


@dataclass
class Document:
    """A stored non-HTML response: a PDF, DOC(X), XLS(X), RTF, ZIP ... (the forms and budget files)."""

    url: str
    final_url: str
    status: int | None
    content_type: str
    size: int
    truncated: bool = False
    link_text: str = ""
    lang_version: str = ""
    load_body: Callable[[], bytes] | None = field(default=None, repr=False)

    @property
    def extension(self) -> str:
        m = DOCUMENT_EXT.search(urlsplit(self.final_url or self.url).path)
        return m.group(1).lower() if m else ""

    def body(self) -> bytes:
        return self.load_body() if self.load_body else b""


@dataclass
class Screenshot:
    url: str
    path: str  # absolute path of the PNG
    width: int
    height: int
    lang_version: str = ""


@dataclass
class Finding:
    url: str
    kind: str
    detail: str


@dataclass
class SiteArtifacts:
    """Everything stored for one site in one round."""

    site_id: str
    name: dict[str, str]
    start_url: str
    pages: list[Page] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    screenshots: list[Screenshot] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rendered: list[Page] = field(default_factory=list)  # DOMs rendered in the browser
    crawl_status: str = "ok"

    @cached_property
    def ok_pages(self) -> list[Page]:
        """Pages that answered 2xx and parsed; where the browser rendered a page, its DOM stands in for it.

        A rendered DOM is what a visitor sees (script-built menus and content), so it replaces the raw response
        of the same URL; rendered pages the crawl did not store as HTML are added after the crawled ones.
        """
        def ok(p: Page) -> bool:
            return bool(p.status) and 200 <= p.status < 300 and p.tree is not None

        rendered = {p.url: p for p in self.rendered if ok(p)}
        out, used = [], set()
        for p in self.pages:
            r = rendered.get(p.url) or rendered.get(p.final_url)
            if r is not None and r.url not in used:
                used.add(r.url)
                if not r.depth and p.depth:
                    r.depth = p.depth
                r.lang_version = r.lang_version or p.lang_version
                out.append(r)
            elif ok(p):
                out.append(p)
        out += [r for u, r in rendered.items() if u not in used]
        return out

    @cached_property
    def audit_date(self) -> str:
        """The day the evidence was gathered (ISO date of the latest stored page), the 'now' of freshness."""
        stamps = [p.fetched_at[:10] for p in self.pages + self.rendered if p.fetched_at]
        return max(stamps) if stamps else ""

    @cached_property
    def home(self) -> Page | None:
        """The main start page (the first page at depth 0 of the main language version)."""
        ok = self.ok_pages
        roots = [p for p in ok if p.depth == 0]
        for p in roots:
            if p.lang_version == "":
                return p
        return roots[0] if roots else (ok[0] if ok else None)

    @cached_property
    def linked_documents(self) -> dict[str, list[tuple[Page, PageLink]]]:
        """Every link to a document-looking URL (stored or not), by URL, with the pages that carry it."""
        out: dict[str, list[tuple[Page, PageLink]]] = {}
        for page in self.ok_pages:
            for link in page.links:
                if DOCUMENT_URL.match(link.url) and not link.url.startswith(("mailto:", "tel:")):
                    out.setdefault(link.url, []).append((page, link))
        return out

    def has(self, requirement: str) -> bool:
        return {
            "pages": bool(self.ok_pages),
            "documents": True,  # an empty list is a valid answer: no documents
            "screenshots": bool(self.screenshots),
            "rendered": bool(self.rendered),
            "findings": True,
        }.get(requirement, False)
