"""JavaScript: whether a page needs a browser, and rendering it (and screenshots) in Chromium via Playwright.

`render_reason` reads the static HTML and says why it needs rendering, if it does: a near-empty body with
scripts, a single-page-app root left empty, a <noscript> asking for JavaScript, or scripts that write the
content in. `Browser` drives one Chromium for one site's crawl, started on first use. The browser never
touches the network itself: every request it makes is routed back to the crawler (`resolve`), which answers it
politely (robots.txt, the host's slot, the address checks) and keeps the answer as evidence; the page itself is
answered with the response the crawler already stored, so the rendered DOM and the screenshot show the page
that was judged.
"""

from __future__ import annotations

import queue
import re
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from lxml import etree

from crawler.browser import launch_options
from crawler.config import CrawlSettings

SPA_ROOT_IDS = {"root", "app", "__next", "__nuxt", "___gatsby", "q-app", "ember-app", "app-root", "main-app", "spa-root"}
SPA_ATTRIBUTES = ("ng-app", "data-reactroot", "ng-version", "data-v-app")
SPA_TAGS = {"app-root"}  # Angular's root element
INSERTS = re.compile(r"document\.write|\.innerHTML\s*=|insertAdjacentHTML|appendChild|\.append\(|\.html\(|"
                     r"createRoot|ReactDOM|createApp\(|new Vue\(|fetch\(|XMLHttpRequest")
NEEDS_JS = re.compile(r"javascript|JavaScript|JS", re.IGNORECASE)
_INVISIBLE = {"script", "style", "noscript", "template"}
NEAR_EMPTY = 200  # characters of visible text: less than a sentence or two
SPARSE = 1500  # characters: a page this thin whose scripts write content is probably built by them
BLOCKED_TYPES = {"media", "websocket", "eventsource", "manifest", "texttrack", "ping", "cspviolationreport"}
VIEWPORT = {"width": 1280, "height": 900}


def _text_length(root) -> int:
    n, skip = 0, 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start":
            if el.tag in _INVISIBLE:
                skip += 1
            elif not skip and el.text:
                n += len(el.text.strip())
        else:
            if el.tag in _INVISIBLE:
                skip -= 1
            if not skip and el.tail and el is not root:
                n += len(el.tail.strip())
    return n


def render_reason(tree) -> str:
    """Why a page's static HTML needs a browser to show its content ('' if it does not)."""
    if tree is None:
        return ""
    scripts = list(tree.iter("script"))
    if not scripts:
        return ""  # nothing a browser could add
    body = tree.find("body")
    root = body if body is not None else tree
    text = _text_length(root)
    if text < NEAR_EMPTY:
        return f"near-empty body ({text} characters of text) with {len(scripts)} script(s)"
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        spa = (el.get("id") or "").lower() in SPA_ROOT_IDS or el.tag in SPA_TAGS or any(a in el.attrib for a in SPA_ATTRIBUTES)
        if spa and len(el) == 0 and not (el.text or "").strip():
            return f"empty single-page-app root <{el.tag} id={el.get('id') or ''!r}>"
    for ns in root.iter("noscript"):
        if NEEDS_JS.search(" ".join(ns.itertext())) and text < SPARSE:
            return "<noscript> asks for JavaScript and the page is thin"
    inline = " ".join(s.text or "" for s in scripts if not s.get("src"))
    if text < SPARSE and INSERTS.search(inline):
        return "thin page whose scripts insert content"
    return ""


@dataclass
class Answer:
    """An answer for the browser: what the crawler fetched or had stored."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Rendered:
    url: str
    final_url: str = ""
    html: str = ""
    screenshot: bytes = b""
    width: int = 0
    height: int = 0
    requests: int = 0  # requests the page made (answered or refused)
    refused: list[str] = field(default_factory=list)
    error: str = ""


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG image (from its IHDR chunk)."""
    if len(png) >= 24 and png[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", png[16:24])
    return 0, 0


Resolve = Callable[[str, str], "Answer | None"]
QUIET = 0.25  # seconds without a request in flight after `load`: the page's scripts have done their fetching
SETTLE_MAX = 5.0  # seconds to wait for that quiet at most


@dataclass
class _Job:
    settings: CrawlSettings
    url: str
    main: Answer
    resolve: Resolve
    dom: bool
    screenshot: bool
    done: threading.Event = field(default_factory=threading.Event)
    result: Rendered | None = None


class BrowserService:
    """One Chromium for every site crawled at once, driven from a thread of its own.

    Playwright's synchronous API belongs to the thread that started it, and a Chromium takes seconds of CPU to
    start, so sites do not start one each: they hand their pages to this service and wait. Each page gets a
    fresh browser context (no cookies shared between sites) whose every request is answered by the site's own
    `resolve`, run on this thread while the site's thread waits, so the site's state is never touched by two
    threads at once.
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.unavailable = ""  # why no browser could be started, once that is known

    def render(self, settings: CrawlSettings, url: str, main: Answer, resolve: Resolve, *, dom: bool = True,
               screenshot: bool = False) -> Rendered:
        """Load a page (answered with `main`) in Chromium; its DOM after scripts ran, and/or a full-page screenshot."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="browser", daemon=True)
                self._thread.start()
        job = _Job(settings, url, main, resolve, dom, screenshot)
        self._jobs.put(job)
        job.done.wait()
        assert job.result is not None
        return job.result

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join()
                self._thread = None

    def _serve(self) -> None:
        pw = browser = None
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                try:
                    if browser is None and not self.unavailable:
                        try:
                            from playwright.sync_api import sync_playwright

                            pw = sync_playwright().start()
                            browser = pw.chromium.launch(**launch_options())
                        except Exception as exc:  # no Chromium, or it would not start: render nothing, crawl on
                            self.unavailable = f"no browser: {str(exc).splitlines()[0][:300]}"
                    job.result = Rendered(job.url, error=self.unavailable) if browser is None else _render(browser, job)
                except Exception as exc:  # noqa: BLE001 - one page's failure must not end the service
                    job.result = Rendered(job.url, error=f"render-error: {type(exc).__name__}: {str(exc)[:300]}")
                finally:
                    job.done.set()
        finally:
            for closer in (getattr(browser, "close", None), getattr(pw, "stop", None)):
                try:
                    if closer is not None:
                        closer()
                except Exception:  # noqa: BLE001 - closing a browser that already died
                    pass


def _render(browser, job: _Job) -> Rendered:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    settings, out = job.settings, Rendered(job.url)
    pending = {"main": job.main}

    def route(r) -> None:
        request = r.request
        url = request.url.split("#")[0]
        out.requests += 1
        if pending["main"] is not None and request.is_navigation_request():
            answer, pending["main"] = pending["main"], None  # the page itself: the stored response, not a new request
        elif request.method != "GET" or request.resource_type in BLOCKED_TYPES or out.requests > settings.render_max_requests:
            answer = None
        else:
            answer = job.resolve(url, request.resource_type)
        if answer is None:
            out.refused.append(url)
            r.abort()
            return
        headers = {k: v for k, v in answer.headers
                   if k.lower() not in ("content-length", "content-encoding", "transfer-encoding", "set-cookie")}
        r.fulfill(status=answer.status, headers=headers, body=answer.body)

    timeout = settings.render_timeout * 1000
    context = browser.new_context(user_agent=settings.agent(), viewport=VIEWPORT, service_workers="block",
                                  accept_downloads=False)
    try:
        context.route("**/*", route)
        page = context.new_page()
        inflight = {"n": 0, "last": time.monotonic()}

        def started(_request) -> None:
            inflight["n"] += 1
            inflight["last"] = time.monotonic()

        def ended(_request) -> None:
            inflight["n"] -= 1
            inflight["last"] = time.monotonic()

        page.on("request", started)
        page.on("requestfinished", ended)
        page.on("requestfailed", ended)
        page.goto(job.url, wait_until="load", timeout=timeout)
        # Content that scripts fetch arrives after `load`; a short spell with nothing in flight means it is in.
        deadline = time.monotonic() + min(SETTLE_MAX, settings.render_timeout)
        while time.monotonic() < deadline and (inflight["n"] > 0 or time.monotonic() - inflight["last"] < QUIET):
            page.wait_for_timeout(50)
        out.final_url = page.url
        if job.dom:
            out.html = page.content()
        if job.screenshot:
            out.screenshot = page.screenshot(full_page=True, type="png", timeout=timeout)
            out.width, out.height = png_size(out.screenshot)
    except PlaywrightTimeout:
        out.error = f"render-timeout: the page did not load within {settings.render_timeout:g} s"
    except PlaywrightError as exc:
        out.error = f"render-error: {str(exc).splitlines()[0][:300]}"
    finally:
        try:
            context.close()
        except Exception:  # noqa: BLE001 - a crashed context cannot be closed; the browser goes at close()
            pass
    return out
