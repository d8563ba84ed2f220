"""Serving the demo's fictional ministry sites on 127.0.0.1, one port per site.

Each site is a YAML file in survey/demo/sites/: its languages (for the switcher), navigation per language,
pages (path, language, title, body HTML), robots.txt and the charset it is served in (one site is served in
windows-1251, as old Kazakh and Russian sites are). A site marked `script_only` is a single-page app: every
page is the same empty shell, and a script fills it from /api/page/<path>, so only a browser sees its content.
Documents under /docs/ (PDF, DOC, DOCX, XLS(X), RTF) are made on request: small but real files, so that the
crawler stores them and the forms check finds them.
"""

from __future__ import annotations

import html
import io
import json
import re
import threading
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

SITES_DIR = Path(__file__).parent / "sites"
DOC_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "rtf": "application/rtf",
}


# Pages a site links to but the demo does not write out get this one line, in the page's language.
STUB_TEXT = {"kk": "Бөлім жаңартылуда.", "ru": "Раздел обновляется.", "en": "This section is being updated.",
             "de": "Dieser Bereich wird überarbeitet.", "tr": "Bu bölüm güncelleniyor."}


def load_specs(directory: Path = SITES_DIR) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.yaml"))]


def _pdf(title: str) -> bytes:
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


class _FixedTimeZip(zipfile.ZipFile):
    """A ZIP whose entries carry a fixed date, so a document is the same bytes every time it is served."""

    def writestr(self, name, data, *args, **kwargs):
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = self.compression
        return super().writestr(info, data, *args, **kwargs)


def _ooxml(title: str, kind: str) -> bytes:
    buf = io.BytesIO()
    with _FixedTimeZip(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if kind == "docx":
            z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
            z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
                       + html.escape(title) + "</w:t></w:r></w:p></w:body></w:document>")
        else:
            z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
            z.writestr("xl/workbook.xml", "<workbook/>")
            z.writestr("xl/sharedStrings.xml", "<sst><si><t>" + html.escape(title) + "</t></si></sst>")
    return buf.getvalue()


def make_document(name: str) -> tuple[bytes, str] | None:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in DOC_TYPES:
        return None
    title = name.rsplit("/", 1)[-1]
    if ext == "pdf":
        body = _pdf(title)
    elif ext in ("docx", "xlsx"):
        body = _ooxml(title, ext)
    elif ext == "rtf":
        body = ("{\\rtf1\\ansi " + title + "\\par}").encode("ascii", "replace")
    else:  # legacy binary formats: a recognisable header is enough for an evidence store
        body = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + title.encode("utf-8")).ljust(512, b"\x00")
    return body, DOC_TYPES[ext]


# Dates in page bodies are written relative to the day the demo runs, `{{date:-4}}` (ISO) or
# `{{date:-4:%d.%m.%Y}}`, so that "current news" stays current whenever the demo is run.
_DATE_TOKEN = re.compile(r"\{\{date:(-?\d+)(?::([^}]*))?\}\}")


def relative_dates(text: str, today: date | None = None) -> str:
    """The text with its `{{date:...}}` tokens written out as dates counted from `today`."""
    today = today or date.today()
    return _DATE_TOKEN.sub(lambda m: (today + timedelta(days=int(m.group(1)))).strftime(m.group(2) or "%Y-%m-%d"), text)


def render_page(spec: dict, path: str, page: dict) -> str:
    page = dict(page, body=relative_dates(page.get("body", "")))
    lang = page.get("lang", spec.get("default_lang", "ru"))
    name = spec["name"].get(lang) or spec["name"]["en"]
    switch = "".join(f'<li><a href="{html.escape(url)}" hreflang="{code}">{html.escape(label)}</a></li>'
                     for code, (url, label) in spec.get("languages", {}).items())
    nav_items = page.get("nav", spec.get("nav", {}).get(lang, []))
    nav = "".join(f'<li><a href="{html.escape(u)}">{html.escape(t)}</a></li>' for u, t in nav_items)
    footer = spec.get("footer", {}).get(lang, "")
    head_extra = spec.get("head", "")
    charset = spec.get("charset", "utf-8")
    html_lang = page.get("html_lang", lang)
    return (f'<!doctype html>\n<html lang="{html_lang}"><head><meta charset="{charset}">'
            f'<title>{html.escape(page["title"])} | {html.escape(name)}</title>{head_extra}</head>\n<body>\n'
            f'<header><div class="brand">{html.escape(name)}</div>'
            + (f'<ul class="lang-switch">{switch}</ul>' if switch else "")
            + (f'<nav><ul>{nav}</ul></nav>' if nav else "")
            + f'</header>\n<main>\n{page["body"]}\n</main>\n<footer>{footer}</footer>\n</body></html>\n')


# The single-page app's shell and script: the page's header, content and footer arrive as JSON.
SHELL = ('<!doctype html>\n<html><head><meta charset="utf-8"><title></title>'
         '<script src="/static/app.js" defer></script></head>\n<body><div id="app"></div>'
         '<noscript>Please enable JavaScript to use this site.</noscript></body></html>\n')
APP_JS = """document.addEventListener('DOMContentLoaded', function () {
  fetch('/api/page' + location.pathname).then(function (r) { return r.json(); }).then(function (page) {
    document.title = page.title;
    document.documentElement.lang = page.lang;
    document.getElementById('app').innerHTML = page.html;
  });
});
"""


def page_json(spec: dict, path: str, page: dict) -> bytes:
    """A script-only site's page as JSON: title, language and the HTML of its body."""
    full = render_page(spec, path, page)
    body = full.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    title = full.split("<title>", 1)[1].split("</title>", 1)[0]
    return json.dumps({"title": html.unescape(title), "lang": page.get("lang", spec.get("default_lang", "ru")),
                       "html": body}, ensure_ascii=False).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    spec: dict = {}
    server_version = "demo-ministry/1.0"

    def log_message(self, *args) -> None:  # quiet: the demo prints its own progress
        pass

    def _send(self, status: int, body: bytes, ctype: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        spec = self.spec
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        if path == "/robots.txt":
            return self._send(200, spec.get("robots", "User-agent: *\nDisallow:\n").encode(), "text/plain; charset=utf-8")
        if path == "/" and spec.get("root", "/") != "/":
            return self._send(302, b"", "text/html", {"Location": spec["root"]})
        pages = spec.get("pages", {})
        if spec.get("script_only"):
            if path == "/static/app.js":
                return self._send(200, APP_JS.encode(), "application/javascript; charset=utf-8")
            if path.startswith("/api/page/"):
                target = path[len("/api/page"):]
                page = pages.get(target) or pages.get(target.rstrip("/") + "/") or pages.get(target.rstrip("/"))
                if page is not None:
                    return self._send(200, page_json(spec, target, page), "application/json; charset=utf-8")
                return self._send(404, b'{"error": "not found"}', "application/json")
        page = pages.get(path) or pages.get(path.rstrip("/") + "/") or pages.get(path.rstrip("/"))
        if page is not None and spec.get("script_only"):
            return self._send(200, SHELL.encode(), "text/html; charset=utf-8")
        if page is not None:
            charset = spec.get("charset", "utf-8")
            body = render_page(spec, path, page).encode(charset, "xmlcharrefreplace")
            header_charset = spec.get("header_charset", charset)
            return self._send(200, body, f"text/html; charset={header_charset}" if header_charset else "text/html")
        for code, (prefix, _label) in spec.get("languages", {}).items():
            if prefix != "/" and path.startswith(prefix):
                stub = {"title": path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").capitalize() or "…",
                        "lang": code, "body": f"<p>{STUB_TEXT.get(code, STUB_TEXT['en'])}</p>"}
                return self._send(200, render_page(spec, path, stub).encode(spec.get("charset", "utf-8"), "xmlcharrefreplace"),
                                  f"text/html; charset={spec.get('header_charset', spec.get('charset', 'utf-8'))}")
        if path.startswith("/docs/"):
            doc = make_document(path)
            if doc is not None:
                return self._send(200, doc[0], doc[1])
        self._send(404, b"<!doctype html><title>Not found</title><h1>404</h1>", "text/html; charset=utf-8")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(length, 1_000_000))
        self._send(200, "<!doctype html><p>Your application was received. Reference: DEMO-0001</p>".encode(),
                   "text/html; charset=utf-8")


@dataclass
class RunningSite:
    spec: dict
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"


def serve(specs: list[dict] | None = None) -> list[RunningSite]:
    """Start one server per site on 127.0.0.1 (free ports); returns them running."""
    running = []
    for spec in specs if specs is not None else load_specs():
        handler = type(f"Handler_{spec['id'].replace('-', '_')}", (_Handler,), {"spec": spec})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name=f"demo-{spec['id']}", daemon=True)
        thread.start()
        running.append(RunningSite(spec, server, thread))
    return running


def stop(running: list[RunningSite]) -> None:
    for r in running:
        r.server.shutdown()
        r.server.server_close()
