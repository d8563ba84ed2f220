"""The PDF report: the HTML report printed by Chromium through Playwright.

Chromium's print engine honours the report's print CSS (repeating table headers, rows never cut across
pages), and the footer template numbers the pages. The browser is found by the program (crawler.browser)
and its launch options are passed in, so this module needs no knowledge of where Chromium lives.
"""

from __future__ import annotations

from pathlib import Path

FOOTER = ('<div style="font-size:8px;color:#555;width:100%;padding:0 12mm;display:flex;justify-content:space-between">'
          '<span class="title"></span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>')


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, launch: dict, *, timeout_ms: int = 120_000) -> Path:
    """Print an HTML file to PDF (A4, page numbers in the footer)."""
    from playwright.sync_api import sync_playwright

    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch)
        try:
            page = browser.new_page()
            # The report is self-contained; block any request that would leave the file.
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                       else route.abort())
            page.goto(html_path.as_uri(), wait_until="load", timeout=timeout_ms)
            page.emulate_media(media="print")
            page.pdf(path=str(pdf_path), format="A4", print_background=True, display_header_footer=True,
                     header_template="<div></div>", footer_template=FOOTER,
                     margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()
    return pdf_path
