"""What the checks see of a site: its stored pages, documents, findings and screenshots, as plain objects.

The program reads these from the evidence store (WARC + index) and hands them over; checks never touch the
network or the database. Each page is parsed once, lazily, into an lxml tree that every check shares, and its
links and visible text are computed once too (a bare lxml parse runs at about 1,000 pages/s on real
government pages; a BeautifulSoup tree at about 60, so BeautifulSoup stays out of this path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

DOCUMENT_EXT = re.compile(r"\.(pdf|docx?|xlsx?|rtf|odt|ods|zip|rar|7z|pptx?|csv)$", re.IGNORECASE)
_INVISIBLE = {"script", "style", "noscript", "template", "head", "title", "meta", "link", "svg"}


def parse_html(text: str):
    """An lxml tree of decoded HTML, or None for an empty or unparseable page."""
    if not text or not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return None


@dataclass(frozen=True)
class PageLink:
    url: str  # absolute, without fragment
    text: str  # visible text, or title/alt
    element: object = field(compare=False, repr=False)  # the lxml element


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
    def links(self) -> list[PageLink]:
        """The page's a/area links, absolute, in document order."""
        tree = self.tree
        if tree is None:
            return []
        base = self.final_url
        for b in tree.iter("base"):
            if b.get("href"):
                base = urljoin(self.final_url, b.get("href").strip())
            break
        out = []
        for el in tree.iter("a", "area"):
            href = (el.get("href") or "").strip().strip("\"'")
            if not href or href.startswith(("#", "javascript:", "data:")):
                continue
            try:
                url = urljoin(base, href).split("#")[0]
            except ValueError:
                continue
            text = " ".join(el.text_content().split()) if el.tag == "a" else ""
            if not text:
                text = el.get("title") or el.get("aria-label") or ""
                if not text:
                    img = next(el.iter("img"), None)
                    text = (img.get("alt") or "") if img is not None else ""
            out.append(PageLink(url, text.strip(), el))
        return out

    @cached_property
    def visible_text(self) -> str:
        """The page's text as a reader sees it, whitespace collapsed (scripts and styles left out)."""
        tree = self.tree
        if tree is None:
            return ""
        body = tree.find("body")
        root = body if body is not None else tree
        parts: list[str] = []
        skip = 0  # depth inside script/style/comments
        for event, el in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
            if event in ("comment", "pi"):  # their text is not shown, their tail is
                if skip == 0 and el.tail:
                    parts.append(el.tail)
                continue
            invisible = el.tag in _INVISIBLE
            if event == "start":
                if invisible:
                    skip += 1
                elif skip == 0 and el.text:
                    parts.append(el.text)
            else:
                if invisible:
                    skip -= 1
                if skip == 0 and el.tail and el is not root:
                    parts.append(el.tail)
        return " ".join(" ".join(parts).split())

    @cached_property
    def title(self) -> str:
        tree = self.tree
        if tree is None:
            return ""
        t = tree.find(".//title")
        return " ".join((t.text_content() if t is not None else "").split())

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
        """Pages that answered 2xx and parsed."""
        return [p for p in self.pages if p.status and 200 <= p.status < 300 and p.tree is not None]

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
                if DOCUMENT_EXT.search(urlsplit(link.url).path):
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
