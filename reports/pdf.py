"""The PDF report: the HTML report printed by Chromium through Playwright, with a paged table of contents.

Chromium's print engine honours the report's print CSS (repeating table headers, rows never cut across
pages, landscape pages for the wide matrix), and the footer template numbers the pages. The table of
contents gets real page numbers from a second print: the first print is read back (pypdf) for the page on
which each section's named destination landed (Chromium turns every in-document link target into one), the
numbers are written into the contents, and the page prints again. The contents' page column has a fixed
width, so filling it in moves nothing. The browser is found by the program (crawler.browser) and its launch
options are passed in, so this module needs no knowledge of where Chromium lives.
"""

from __future__ import annotations

import io
from pathlib import Path

FOOTER = ('<div style="font-size:8px;color:#555;width:100%;padding:0 12mm;display:flex;justify-content:space-between;'
          'font-family:DejaVu Sans,Arial,sans-serif"><span class="title"></span>'
          '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>')
MARGIN = {"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"}


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


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, launch: dict, *, toc_ids: list[str] | None = None,
                timeout_ms: int = 600_000) -> Path:
    """Print an HTML file to PDF (A4, page numbers in the footer); with toc_ids, fill `.toc [data-toc=id]` pages."""
    from playwright.sync_api import sync_playwright

    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    options = dict(format="A4", print_background=True, display_header_footer=True, header_template="<div></div>",
                   footer_template=FOOTER, margin=MARGIN, prefer_css_page_size=True, outline=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch)
        try:
            page = browser.new_page()
            page.set_default_timeout(timeout_ms)
            # The report is self-contained; block any request that would leave the file.
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                       else route.abort())
            page.goto(html_path.as_uri(), wait_until="load", timeout=timeout_ms)
            page.emulate_media(media="print")
            if toc_ids:
                pages = section_pages(page.pdf(**options), toc_ids)
                page.evaluate("""(pages) => {
                    for (const [id, n] of Object.entries(pages)) {
                        const cell = document.querySelector(`.toc [data-toc="${id}"] .page`);
                        if (cell) cell.textContent = String(n);
                    }
                }""", {k: v for k, v in pages.items()})
            page.pdf(path=str(pdf_path), **options)
        finally:
            browser.close()
    return pdf_path
