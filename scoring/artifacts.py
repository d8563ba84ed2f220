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
# A document's extension where a URL's path ends, in many URLs joined by line breaks: finds the few candidates
# for DOCUMENT_URL in one scan instead of one match per link.
_DOCUMENT_EXT_IN_LINES = re.compile(r"\.(?:pdf|docx?|xlsx?|rtf|odt|ods|zip|rar|7z|pptx?|csv)(?=[?#\n]|$)", re.IGNORECASE)


def document_urls(urls: list[str]) -> set[str]:
    """The URLs among many distinct ones that look like documents (mailto: and tel: never do)."""
    joined = "\n".join(urls)
    found = set()
    for m in _DOCUMENT_EXT_IN_LINES.finditer(joined):
        end = joined.find("\n", m.end())
        url = joined[joined.rfind("\n", 0, m.start()) + 1:end if end >= 0 else len(joined)]
        if DOCUMENT_URL.match(url) and not url.startswith(("mailto:", "tel:")):
            found.add(url)
    return found


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
            # lxml.etree's parser, not lxml.html's: the same tree without a Python class lookup per element; no
            # table of id attributes either (nothing looks elements up by id), which saves a twentieth of the parse.
            parser = _PARSERS.parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                                        collect_ids=False)
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
    """What the checks read of a page: its visible text, its links with their region, its headings, its forms and
    <time> elements and how many entries (list items, table rows) its body holds."""

    text: str  # all visible text, whitespace collapsed
    links: list[PageLink]
    headings: list[tuple[str, str, object]]  # (tag, text, element)
    forms: list = field(default_factory=list)  # the page's form elements
    times: list = field(default_factory=list)  # its <time> elements
    entries: int = 0  # list items (outside menus) or table rows in the body, whichever are more
    words: int = 0  # words of visible text
    targets: frozenset = frozenset()  # the distinct URLs its links lead to


_TEXT_NODES = etree.XPath(".//text()", smart_strings=False)
_REGION_TAGS = {"nav": "nav", "header": "header", "footer": "footer", "aside": "aside", "menu": "nav"}
# Class or id tokens that mark menus and page furniture on sites without HTML5 landmarks.
_REGION_HINT = re.compile(r"(?:^|[\s_-])(nav|navbar|navigation|menu|mainmenu|topmenu|footer|header|sidebar)(?:$|[\s_\d-])",
                          re.IGNORECASE)
_HINT_REGION = {"footer": "footer", "header": "header", "sidebar": "aside"}
_HINT_TAGS = {"div", "ul", "ol", "section", "td", "table", "tr", "dl", "span"}


def _plain_path(path: str) -> bool:
    """Whether urljoin would take a path as written: no dot segments and no empty ones."""
    return "//" not in path and "/./" not in f"/{path}/" and "/../" not in f"/{path}/"


def _joiner(base: str) -> Callable[[str], str]:
    """A fast urljoin for one base: most hrefs are absolute or root-relative, and urljoin is slow."""
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    scheme = parts.scheme + ":"
    # Where urljoin would only append a plain relative path ("page.html", "docs/a.pdf?x=1") to the base's
    # directory, do so; anything it might rewrite (dot or empty segments, a colon, parameters, an empty query,
    # control characters) goes through urljoin.
    directory = None
    if parts.scheme in ("http", "https") and parts.netloc and _plain_path(parts.path):
        directory = origin + parts.path[: parts.path.rfind("/") + 1] if parts.path else origin + "/"

    def join(href: str) -> str:
        if href.startswith(("http://", "https://", "mailto:", "tel:")):
            got = href
        elif href.startswith("//"):
            got = scheme + href
        elif href.startswith("/"):
            got = origin + href
        elif directory is not None and href[0] not in "?#" and ":" not in href and ";" not in href \
                and not href.endswith("?") and "?#" not in href and href.isprintable() \
                and _plain_path(href.split("?", 1)[0].split("#", 1)[0]):
            got = directory + href
        else:
            got = urljoin(base, href)
        return got.split("#", 1)[0] if "#" in got else got

    return join


def text_content(el) -> str:
    """An element's text with its descendants' (lxml.html's text_content for plain etree elements)."""
    # The serialiser in C: the same text as XPath's string(), in half the time.
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def _text_of(el) -> str:
    if len(el) == 0:  # most links and headings hold plain text: skip the slower text walk
        return " ".join((el.text or "").split())
    return " ".join(text_content(el).split())


# Per tag: its own region (nav, header ...), '' for a tag whose class or id may name one, absent for the rest.
_TAG_KIND = {**{t: "" for t in _HINT_TAGS}, **_REGION_TAGS}
# Class and id values seen, with the region they name (None for none): a site's template repeats a few of them
# over thousands of elements, and the same ones recur across the sites of a round. Bounded, as it is shared.
_HINTS: dict[tuple[str | None, str | None], str | None] = {}


def _hint_region(el) -> str | None:
    cls, ident = el.get("class"), el.get("id")
    if not (cls or ident):
        return None
    key = (cls, ident)
    got = _HINTS.get(key, "")
    if got == "":
        hint = cls or ident
        m = _REGION_HINT.search(hint if ident is None else f"{hint} {ident}")
        got = _HINT_REGION.get(m.group(1).lower(), "nav") if m else None
        if len(_HINTS) > 50_000:
            _HINTS.clear()
        _HINTS[key] = got
    return got


def _region_resolver() -> Callable[[object], str]:
    """A function from an element to the innermost landmark around it (a footer holds everything inside it).

    Memoised per ancestor, since the links of one menu share their ancestors.
    """
    memo: dict[object, str] = {}
    kinds = _TAG_KIND

    def region_of(el) -> str:
        cur = el.getparent()
        r = memo.get(cur)
        if r is not None:  # a sibling's region is known: the usual case within a menu
            return r
        chain = []
        while cur is not None:
            r = memo.get(cur)
            if r is not None:
                break
            chain.append(cur)
            cur = cur.getparent()
        r = r or "main"
        for anc in reversed(chain):
            kind = kinds.get(anc.tag)
            if kind is not None and r != "footer":
                own = kind or _hint_region(anc)
                if own is not None:
                    r = own
            memo[anc] = r
        return r

    return region_of


_SKIP_HREF = ("#", "javascript:", "data:")


def _normal(text: str) -> str:
    """The text with its whitespace collapsed; most link texts already are, and are told so cheaply (a printable
    text holds no whitespace but the ASCII space)."""
    if text and text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text
    return " ".join(text.split())


_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_MENU_TAGS = ("nav", "header", "footer")
_LIST_TAGS = ("ul", "ol")
# Everything the checks read of a body's elements, gathered in one traversal: each traversal of a parsed page
# costs a tenth of its parse, whatever tags it looks for.
_BODY_TAGS = ("a", "area", *sorted(_HEADINGS), "form", "time", "base", "tr", "li")


def _outline(tree, base_url: str) -> Outline:
    body = tree.find("body")
    root = body if body is not None else tree
    # Text nodes joined by spaces: block elements must not run together ("ЗаявленияИнструкция").
    words = " ".join(_TEXT_NODES(root)).split()
    text = " ".join(words)
    anchors, headings = [], []
    areas = set()  # the <area> elements among the anchors (image maps are rare): told apart without a tag read
    found: dict[str, list] = {"base": [], "form": [], "time": []}
    rows = items = 0
    lists: dict[object, bool] = {}  # list element -> whether its items are entries (not a menu's)
    for el in root.iter(*_BODY_TAGS):
        tag = el.tag
        if tag == "a":
            anchors.append(el)
        elif tag == "area":
            anchors.append(el)
            areas.add(el)
        elif tag == "li":
            parent = el.getparent()
            counts = lists.get(parent)
            if counts is None:
                counts = lists[parent] = parent is not None and parent.tag in _LIST_TAGS and not _in_menu(parent)
            if counts:
                items += 1
        elif tag == "tr":
            rows += 1
        elif tag in _HEADINGS:
            headings.append((tag, _text_of(el), el))
        else:
            found[tag].append(el)
    if root is not tree:
        # <base>, forms and <time> are read from the whole page, and the head keeps what a <noscript> or
        # <template> there holds: the other top-level elements are added in document order.
        before, after, seen_body = [], [], False
        for child in tree:
            if child is body:
                seen_body = True
            else:
                (after if seen_body else before).append(child)
        for tag, got in found.items():
            found[tag] = [el for c in before for el in c.iter(tag)] + got + [el for c in after for el in c.iter(tag)]
    base = base_url
    for b in found["base"]:
        if b.get("href"):
            try:
                base = urljoin(base_url, b.get("href").strip())
            except ValueError:
                pass
        break
    join = _joiner(base)
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    region_of = _region_resolver()
    links: list[PageLink] = []
    append = links.append
    cache: dict[str, str] = {}  # raw href -> URL ('' for none): menus repeat the same hrefs
    # The one loop that touches every link of every page: kept to attribute reads and dictionary look-ups.
    for el in anchors:
        href = el.get("href")
        if not href:
            continue
        url = cache.get(href)
        if url is None:
            # Root-relative and absolute hrefs, most of them, resolve as written when nothing needs stripping.
            last = href[-1]
            plain = last not in "\"'" and not last.isspace()
            if plain and href[0] == "/" and href[1:2] != "/":
                url = origin + href
            elif plain and href[0] == "h" and href.startswith(("http://", "https://")):
                url = href
            else:
                h = href.strip().strip("\"'")
                if not h or h.startswith(_SKIP_HREF):
                    url = ""
                else:
                    try:
                        url = join(h)
                    except ValueError:
                        url = ""
            if "#" in url:
                url = url.split("#", 1)[0]
            cache[href] = url
        if not url:
            continue
        if areas and el in areas:  # an image map's area has no text of its own
            label = ""
        elif len(el):
            label = _normal(text_content(el))
        else:
            label = el.text
            # _normal inline: most links hold one plain text that needs nothing done.
            if label and not (label.isprintable() and "  " not in label and label[0] != " " and label[-1] != " "):
                label = " ".join(label.split())
        if not label:
            label = el.get("title") or el.get("aria-label") or ""
            if not label:
                img = next(el.iter("img"), None)
                label = (img.get("alt") or "") if img is not None else ""
            label = " ".join(label.split())
        append(PageLink(url, label, el, None, region_of))
    entries = max(rows, items) if body is not None else 0
    targets = set(cache.values())  # every link's URL, from the hrefs resolved once each
    targets.discard("")
    return Outline(text, links, headings, found["form"], found["time"], entries, len(words), frozenset(targets))


def _in_menu(lst) -> bool:
    """Whether a list has a nav, header or footer element among its six nearest ancestors: a menu."""
    el = lst
    for _ in range(6):
        el = el.getparent()
        if el is None:
            return False
        if el.tag in _MENU_TAGS:
            return True
    return False


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

    @property
    def words(self) -> int:
        """Words of visible text."""
        return self.outline.words

    @cached_property
    def title(self) -> str:
        tree = self.tree
        if tree is None:
            return ""
        head = tree.find("head")
        t = head.find("title") if head is not None else None
        if t is None:  # a title outside the head (broken markup) is searched for, slowly, only then
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
            if not (p.status and 200 <= p.status < 300) or p.tree is None:
                return False
            # Walk the page while its freshly parsed tree is still in the processor's cache: the same walk
            # after the site's other pages were parsed costs two to three times as much.
            p.outline, p.title  # noqa: B018
            return True

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

    def has(self, requirement: str) -> bool:
        return {
            "pages": bool(self.ok_pages),
            "documents": True,  # an empty list is a valid answer: no documents
            "screenshots": bool(self.screenshots),
            "rendered": bool(self.rendered),
            "findings": True,
        }.get(requirement, False)
