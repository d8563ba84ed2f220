"""The report's languages: message catalogues (gettext .po files, read with Babel) and their upkeep.

Every string a report shows comes from a catalogue: the templates' `_()` calls, the labels and sentences the
program prepares (survey/report.py), and the texts of the default rubric (criterion titles, level texts), so a
report in Russian is Russian throughout. English is the source language and needs no catalogue. A language
is added by adding `reports/locale/<lang>/LC_MESSAGES/messages.po` and translating it: nothing else changes
(`python -m reports.i18n init kk`, then translate, then `python -m reports.i18n check`).

Catalogues are compiled in memory when first used (a few milliseconds), so there are no .mo files to build
or commit and a fresh `pip install -e .` (or a wheel, which carries the .po files) works at once.
`python -m reports.i18n update` re-extracts the strings into messages.pot and merges them into every
catalogue; a test fails while a catalogue lacks a translation for any extracted string.
"""

from __future__ import annotations

import gettext
import io
import sys
from functools import lru_cache
from pathlib import Path
from typing import Iterator


from rubric.yamlfile import InputError

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
_ROOT = Path(__file__).resolve().parents[1]
# What holds report strings: templates, the Python that prepares report data, and the default rubric.
SOURCES = {
    "jinja2": sorted((Path(__file__).parent / "templates").glob("*.j2")),
    "python": [_ROOT / "survey" / "report.py", _ROOT / "reports" / "charts.py"],
    "rubric": [_ROOT / "rubric" / "ministry2010.yaml"],
}
JINJA_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true", "extensions": "jinja2.ext.i18n"}


def languages() -> list[str]:
    """Languages a report can be written in: English and every language with a catalogue."""
    return [SOURCE_LANGUAGE] + sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of a language (English: the strings as written); InputError for an unknown one."""
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    path = po_path(lang)
    if not path.exists():
        raise InputError([f"--lang {lang}: no report catalogue for this language; available: {', '.join(languages())} "
                          f"(add one with `python -m reports.i18n init {lang}` and translate it)"])
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(path, "rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)  # fuzzy entries are left out: an unsure translation falls back to English
    buf.seek(0)
    return gettext.GNUTranslations(buf)


# -- catalogue upkeep (developers and translators) --------------------------------------------------------
def extract_rubric(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for a rubric file: its title, description, criterion titles and texts."""
    from rubric.yamlfile import load_located

    text = fileobj.read().decode("utf-8")
    data, lines = load_located(getattr(fileobj, "name", "rubric.yaml"), text)
    for key in ("title", "description"):
        if data.get(key):
            yield lines.get((key,), 0), "_", str(data[key]).strip(), [f"rubric {key}"]
    for i, c in enumerate(data.get("criteria") or []):
        for key in ("title", "examines"):
            if c.get(key):
                yield lines.get(("criteria", i, key), 0), "_", str(c[key]).strip(), [f"criterion {c['id']}: {key}"]
        for level, text in (c.get("levels") or {}).items():
            yield lines.get(("criteria", i, "levels", level), 0), "_", str(text).strip(), [f"criterion {c['id']}: level {level}"]


def extract_catalog():
    """Extract every report string from the sources into a fresh template catalogue."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
    from jinja2.ext import babel_extract

    methods = {"jinja2": babel_extract, "python": "python", "rubric": extract_rubric}
    catalog = Catalog(project="egov-survey", domain=DOMAIN, charset="utf-8", fuzzy=False,
                      header_comment="# Report strings of egov-survey: templates, report data and the default rubric.")
    for kind, files in SOURCES.items():
        for path in files:
            options = JINJA_OPTIONS if kind == "jinja2" else {}
            for lineno, message, comments, context in extract_from_file(methods[kind], path, DEFAULT_KEYWORDS,
                                                                        comment_tags=("TRANSLATORS:",), options=options):
                catalog.add(message, None, [(str(path.relative_to(_ROOT)), lineno)], auto_comments=comments,
                            context=context)
    return catalog


def _write(catalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=110, omit_header=False, sort_output=False, include_lineno=False)


def update() -> list[str]:
    """Re-extract messages.pot and merge it into every catalogue; returns what was written."""
    from babel.messages.pofile import read_po

    template = extract_catalog()
    _write(template, LOCALE_DIR / f"{DOMAIN}.pot")
    done = [str(LOCALE_DIR / f"{DOMAIN}.pot")]
    for lang in languages()[1:]:
        with open(po_path(lang), "rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=True)
        _write(catalog, po_path(lang))
        done.append(str(po_path(lang)))
    return done


def init(lang: str) -> Path:
    """Start the catalogue of a new language from the current strings (all untranslated)."""
    from babel.messages.catalog import Catalog

    template = extract_catalog()
    catalog = Catalog(locale=lang, domain=DOMAIN, project="egov-survey", charset="utf-8", fuzzy=False)
    catalog.update(template)
    _write(catalog, po_path(lang))
    return po_path(lang)


def untranslated(lang: str) -> list[str]:
    """Extracted strings that the language's catalogue lacks, leaves empty or marks fuzzy."""
    from babel.messages.pofile import read_po

    with open(po_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    missing = []
    for msg in extract_catalog():
        if not msg.id:
            continue
        have = catalog.get(msg.id, context=msg.context)
        strings = have.string if have is not None else None
        empty = not strings or (isinstance(strings, tuple) and not all(strings))
        if have is None or empty or have.fuzzy:
            missing.append(msg.id if isinstance(msg.id, str) else msg.id[0])
    return missing


def main(argv: list[str]) -> int:
    """`python -m reports.i18n update | init LANG | check`."""
    if argv[:1] == ["update"]:
        for p in update():
            print(f"wrote {p}")
        return 0
    if argv[:1] == ["init"] and len(argv) == 2:
        print(f"wrote {init(argv[1])}")
        return 0
    if argv[:1] == ["check"]:
        bad = 0
        for lang in languages()[1:]:
            missing = untranslated(lang)
            bad += len(missing)
            print(f"{lang}: {len(missing)} untranslated" + "".join(f"\n  {m!r}" for m in missing[:20]))
        return 1 if bad else 0
    print(main.__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
