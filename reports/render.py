"""Rendering reports from plain data: one Jinja2 environment, autoescaped and strict, for every template.

Templates compute nothing: the program hands over a finished dictionary (numbers formatted, ranks decided,
provenance labelled) and the templates only lay it out. Autoescaping is on because crawled text (page titles,
snippets, reviewer notes) is untrusted; StrictUndefined makes a missing value fail a test instead of
printing nothing. Template partials start with `_`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


def environment(translations=None) -> Environment:
    """The one Jinja2 environment; `translations` is a gettext translations object (None: English)."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2", "xml"), default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    if translations is None:
        env.install_null_translations(newstyle=True)
    else:
        env.install_gettext_translations(translations, newstyle=True)
    return env


def whole(data: dict[str, Any]) -> dict[str, Any]:
    """The `part` that is the whole report: the cover, every section complete, links within the one file."""
    ids = [e["id"] for e in data["toc"]]
    return {"cover": True, "sections": ids, "heads": ids, "tails": ids, "anchors": [], "href": ""}


def render_html(data: dict[str, Any], out_path: str | Path, *, template: str = "report.html.j2", translations=None) -> Path:
    """Render the report data to one self-contained HTML file."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    html = environment(translations).get_template(template).render(**data, part=whole(data))
    out_path.write_text(html, encoding="utf-8")
    return out_path
