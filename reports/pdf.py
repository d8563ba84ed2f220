"""The PDF report: the report printed by Chromium through Playwright in parts, joined into one PDF with pypdf.

One print of a whole report holds the layout of every page in memory at once (10,000 sites: some 7,000 pages,
past 12 GB), so the report prints in parts: the cover, then each section, with the lists that grow with the
round cut into parts of at most `part_size` sites; each part is a page of its own in one browser, a few at a
time, printed straight to a file and closed. Chromium still does the paper work within a part (repeating
table headers, no row cut across pages, landscape pages for the wide matrix), and the join does what one
print used to do across the parts: page numbers, links from one part to another, the contents' page numbers
and bookmarks. The browser is found by the program (crawler.browser) and its launch options passed in, so
this module needs no knowledge of where Chromium lives.
"""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

# Sites per part: a round of up to 1,000 prints each section whole, exactly as one print did, and a part of
# 1,000 scorecards, the heaviest, takes Chromium about 1.5 GB.
PART_SIZE = 1000
WORKERS = 2  # parts printed at once, each in a renderer process of its own
FOOTERS_PER_PRINT = 1000  # footer sheets per print: a sheet costs next to nothing, but a print's memory grows with them
MARGIN = {"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"}
# Sections that go on from the page before them (no page break before them in the print CSS): a part never
# starts with one, or the print would gain a page break the one-file report does not have.
FLOWING = ("summary", "agreement", "technical")
# The lists of the report data that grow with the round, by section; "tables" is a list of tables of the sites.
PER_SITE = {"matrix": "rows", "ranking": "rows", "comparison": "sites", "technical": "tables", "scorecards": "cards"}
# A part writes its in-report links (contents, matrix and ranking to the scorecards) as links into this file:
# Chromium leaves out a link to an anchor missing from the document it prints, but keeps a link to another file,
# which the join then points at the named destination of its target, whichever part that landed in.
LINK_TARGET = "report.html"


@dataclass
class Part:
    """One printed part: which sections it holds, whose heading and closing notes, and the data it replaces."""

    cover: bool = False
    sections: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)
    tails: list[str] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def context(self, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """The template context of this part: the report data, this part's slices of it, and `part`."""
        return {**data, **self.data, **extra, "part": {
            "cover": self.cover, "sections": self.sections, "heads": self.heads, "tails": self.tails,
            "anchors": self.anchors, "href": LINK_TARGET}}


def _chunks(section: dict[str, Any], key: str | None, size: int) -> list[dict[str, Any]]:
    """The section as copies holding at most `size` of its per-site items each (itself when it is short)."""
    if key is None or key not in section:
        return [section]
    if key == "tables":  # tables of the same sites, one after another: cut across them, row by row
        rows = [(t, r) for t in section["tables"] for r in t["rows"]]
        if len(rows) <= size:
            return [section]
        out = []
        for i in range(0, len(rows), size):
            tables: list[tuple[dict, list]] = []
            for t, r in rows[i:i + size]:
                if not tables or tables[-1][0] is not t:
                    tables.append((t, []))
                tables[-1][1].append(r)
            out.append({**section, "tables": [{**t, "rows": rs} for t, rs in tables]})
        return out
    items = section[key]
    if len(items) <= size:
        return [section]
    return [{**section, key: items[i:i + size]} for i in range(0, len(items), size)]


def plan(data: dict[str, Any], part_size: int = PART_SIZE) -> list[Part]:
    """The parts the report prints in: the cover first, then a part per section and per `part_size` sites."""
    if part_size < 1:
        raise ValueError("part_size must be at least 1")
    parts = [Part(cover=True)]
    for sid in (e["id"] for e in data["toc"]):
        if sid not in FLOWING:
            parts.append(Part())  # the print CSS starts this section on a new page anyway
        chunks = _chunks(data[sid], PER_SITE.get(sid), part_size)
        for i, chunk in enumerate(chunks):
            if i:
                parts.append(Part())
            part = parts[-1]
            part.sections.append(sid)
            if i == 0:
                part.heads.append(sid)
                part.anchors.append(sid)  # the targets in this part, for the hidden links of report.html.j2
            if i == len(chunks) - 1:
                part.tails.append(sid)
            if len(chunks) > 1:
                part.data[sid] = chunk
            if sid == "scorecards":  # each card's id, as _scorecards.html.j2 writes it
                part.anchors += [f"site-{c['id']}" for c in chunk["cards"]]
    return parts


def section_pages(pdf: bytes, ids: list[str]) -> dict[str, int]:
    """The 1-based page on which each id's named destination lies, for the ids the PDF has."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    dests = reader.named_destinations
    out = {}
    for i in ids:
        d = dests.get(i) or dests.get(f"/{i}")
        if d is not None:
            out[i] = reader.get_destination_page_number(d) + 1
    return out


@dataclass
class _Printed:
    """A printed part as the join needs it: its pages' sizes and where its named destinations are."""

    path: Path
    sizes: list[tuple[float, float]]
    dests: dict[str, tuple[int, float, float]]  # name -> (page in the part, left, top)


def _read(path: Path) -> _Printed:
    """What the join needs to know of a printed part."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    dests = {}
    for name, d in reader.named_destinations.items():
        page = reader.get_destination_page_number(d)
        if page >= 0:
            dests[str(name).lstrip("/")] = (page, float(d.left or 0), float(d.top or 0))
    return _Printed(path, [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages], dests)


async def _all(coroutines) -> list:
    """Run the coroutines together; if one fails, cancel the others rather than leave them printing."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _local_only(route) -> None:
    # The report is self-contained; block any request that would leave the file.
    if route.request.url.startswith(("file:", "data:")):
        await route.continue_()
    else:
        await route.abort()


class _Printer:
    """Prints HTML documents to PDF files in one browser, at most `workers` at a time."""

    def __init__(self, browser, folder: Path, workers: int, timeout_ms: int):
        self.browser, self.folder, self.timeout_ms = browser, folder, timeout_ms
        self.slots = asyncio.Semaphore(max(1, workers))

    async def pdf(self, name: str, render, **options: Any) -> _Printed:
        async with self.slots:
            src, out = self.folder / f"{name}.html", self.folder / f"{name}.pdf"
            src.write_text(render(), encoding="utf-8")  # rendered only when its turn comes: few parts in memory at once
            page = await self.browser.new_page()
            try:
                page.set_default_timeout(self.timeout_ms)
                await page.route("**/*", _local_only)
                await page.goto(src.as_uri(), wait_until="load")
                await page.emulate_media(media="print")
                await page.pdf(path=str(out), format="A4", prefer_css_page_size=True, **options)
            finally:
                await page.close()
            src.unlink()
        return await asyncio.to_thread(_read, out)


def report_pdf(data: dict[str, Any], pdf_path: str | Path, launch: dict, *, translations=None,
               part_size: int = PART_SIZE, workers: int = WORKERS, timeout_ms: int = 600_000,
               stats: dict[str, Any] | None = None) -> Path:
    """Print the report data to one PDF, `part_size` sites per part (see the module docstring); `stats` gets timings."""
    pdf_path = Path(pdf_path)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="egov-pdf-") as tmp:
        asyncio.run(_report_pdf(data, pdf_path, Path(tmp), launch, translations, part_size, workers, timeout_ms,
                                stats if stats is not None else {}))
    return pdf_path


async def _report_pdf(data, pdf_path: Path, folder: Path, launch: dict, translations, part_size: int, workers: int,
                      timeout_ms: int, stats: dict[str, Any]) -> None:
    from playwright.async_api import async_playwright

    from reports.render import environment

    env = environment(translations)
    report, footers = env.get_template("report.html.j2"), env.get_template("footers.html.j2")
    parts = plan(data, part_size)
    options = {"print_background": True, "margin": MARGIN}
    t0 = time.perf_counter()
    async with async_playwright() as p:
        browser = await p.chromium.launch(**launch)
        try:
            printer = _Printer(browser, folder, workers, timeout_ms)
            # Last parts first: the scorecards, by far the longest to print, come near the end of the report, and a
            # long part that started last would keep one worker busy after the others had finished.
            order = range(len(parts) - 1, -1, -1)
            done = await _all(printer.pdf(f"part-{i:05d}", lambda i=i: report.render(**parts[i].context(data)),
                                          **options) for i in order)
            printed = [part for _, part in sorted(zip(order, done), key=lambda x: x[0])]
            # Where each section starts, now that every part's length is known; the cover again, with those pages.
            offsets = [0]
            for part in printed:
                offsets.append(offsets[-1] + len(part.sizes))
            starts = {sid: (offsets[i] + page, left, top) for i, part in enumerate(parts) for sid in part.heads
                      for page, left, top in [printed[i].dests.get(sid, (0, 0.0, 0.0))]}
            toc = [{**e, "page": str(starts[e["id"]][0] + 1)} for e in data["toc"]]
            cover = await printer.pdf("cover", lambda: report.render(**parts[0].context(data, toc=toc)), **options)
            if len(cover.sizes) != len(printed[0].sizes):
                raise RuntimeError("the contents changed length when their page numbers were filled in")
            printed[0] = cover
            # A footer sheet for every page, of the page's size.
            sizes = [size for part in printed for size in part.sizes]
            labels = [{"label": f"{n} / {len(sizes)}", "wide": w > h} for n, (w, h) in enumerate(sizes, start=1)]
            sheets = await _all(printer.pdf(f"footers-{i:05d}", lambda i=i: footers.render(
                lang=data["lang"], title=data["title"], pages=labels[i:i + FOOTERS_PER_PRINT]),
                margin={"top": "0", "bottom": "0", "left": "0", "right": "0"})
                for i in range(0, len(sizes), FOOTERS_PER_PRINT))
            if [_rounded(s) for sheet in sheets for s in sheet.sizes] != [_rounded(s) for s in sizes]:
                raise RuntimeError("the footers did not print one sheet of the same size per page")
        finally:
            await browser.close()
    t1 = time.perf_counter()
    dests = {name: (offsets[i] + page, left, top) for i, part in enumerate(printed)
             for name, (page, left, top) in part.dests.items()}
    dests.update(starts)
    _join(printed, sheets, dests, data, toc, folder, pdf_path)
    stats.update(parts=len(parts), pages=len(sizes), print_s=round(t1 - t0, 1),
                 join_s=round(time.perf_counter() - t1, 1))


def _rounded(size: tuple[float, float]) -> tuple[int, int]:
    return round(size[0]), round(size[1])


def _join(printed: list[_Printed], sheets: list[_Printed], dests: dict[str, tuple[int, float, float]],
          data: dict[str, Any], toc: list[dict], folder: Path, pdf_path: Path) -> None:
    """Join the parts into one PDF: footers laid over, links between parts resolved, destinations, bookmarks."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, Fit, FloatObject, NameObject, NullObject, TextStringObject

    writer = PdfWriter()
    for part in printed:
        for page in PdfReader(part.path).pages:
            writer.add_page(page)
    # Chromium's page counter restarts with each print, so the footers (title and "n / N", in the report's font)
    # were printed on blank sheets of their own: each is laid over its page, text that stays text.
    footer_pages = [page for s in sheets for page in PdfReader(s.path).pages]
    prefix = (folder / LINK_TARGET).as_uri() + "#"
    for page, footer in zip(writer.pages, footer_pages):
        page.merge_page(footer, over=True)
        page.compress_content_streams()  # merging leaves the page's content uncompressed
        if "/Annots" in page:
            kept = ArrayObject()
            for ref in page["/Annots"]:
                annot = ref.get_object()
                action = annot.get("/A")
                uri = str(action.get("/URI", "")) if action is not None else ""
                if uri.startswith(prefix):
                    name = unquote(uri[len(prefix):])
                    if name not in dests:
                        continue  # a link to nothing: Chromium leaves those out too
                    del annot["/A"]
                    annot[NameObject("/Dest")] = NameObject("/" + name)
                kept.append(ref)
            page[NameObject("/Annots")] = kept
    refs = [p.indirect_reference for p in writer.pages]
    writer.root_object[NameObject("/Dests")] = DictionaryObject({
        NameObject("/" + name): ArrayObject([refs[page], NameObject("/XYZ"), FloatObject(left), FloatObject(top),
                                             NullObject()]) for name, (page, left, top) in dests.items()})
    for entry in toc:
        page, left, top = dests[entry["id"]]
        writer.add_outline_item(title=f"{entry['number']} {entry['title']}", page_number=page, fit=Fit.xyz(left, top))
    writer.page_mode = "/UseOutlines"
    writer.root_object[NameObject("/Lang")] = TextStringObject(data["lang"])
    writer.add_metadata({"/Title": data["title"], "/Creator": f"egov-survey {data['version']}".strip()})
    tmp = pdf_path.with_name(pdf_path.name + ".part")
    with open(tmp, "wb") as fh:
        writer.write(fh)
    os.replace(tmp, pdf_path)
