"""Grading sheets (CSV and XLSX) for reviewers who work offline: writing them and reading them back.

A sheet has one row per site and criterion with what a reviewer needs beside the grade cell: the suggested
level and its reasons, the top evidence links and the rubric's five level texts. Reading a sheet validates
every row (known site, known criterion, a grade of 1-5, blank, or "cannot assess", evidence links that are web
addresses, the reviewer the sheet is for) and reports each problem with its row number, so nothing half-valid
is written.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from rubric.yamlfile import InputError, Problem

SHEET_COLUMNS = ["round", "site_id", "site_name", "criterion", "criterion_title", "suggested_level",
                 "suggested_reasons", "evidence", "level_descriptions", "reviewer", "grade", "cannot_assess",
                 "note", "evidence_urls"]
REQUIRED = ("site_id", "criterion", "grade")
CANNOT = {"cannot assess", "cannot-assess", "n/a", "na", "x", "?", "cannot_assess"}
TRUE = {"1", "yes", "y", "true", "x"}
_WEB_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


@dataclass(frozen=True)
class SheetRow:
    """One validated row of a grading sheet."""

    row: int  # spreadsheet row number (header is row 1)
    site_id: str
    criterion: str
    level: int | None
    cannot_assess: bool
    note: str
    evidence_urls: str
    reviewer: str


def write_sheet(rows: Iterable[dict], path: str | Path, fmt: str, scale: tuple[int, int] = (1, 5)) -> Path:
    """Write a grading sheet as CSV (UTF-8 with BOM, so spreadsheet programs read Cyrillic right) or XLSX."""
    path = Path(path)
    rows = list(rows)
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.DictWriter(fh, fieldnames=SHEET_COLUMNS, extrasaction="ignore")
            w.writeheader()
            for r in rows:
                w.writerow({k: _csv_safe(k, r.get(k)) for k in SHEET_COLUMNS})
        return path
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "grades"
    ws.append(SHEET_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        # Control characters (in crawled text) cannot be stored in XLSX at all.
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in (r.get(k) for k in SHEET_COLUMNS)])
        for cell in ws[ws.max_row]:
            # A string starting with = would be stored as a formula: crawled text and notes must stay text.
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    widths = {"site_name": 28, "criterion": 24, "suggested_reasons": 50, "evidence": 50, "level_descriptions": 70,
              "note": 40, "evidence_urls": 40}
    for i, col in enumerate(SHEET_COLUMNS, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = widths.get(col, 14)
        if col in ("grade", "cannot_assess", "note", "evidence_urls"):
            for cell in ws[letter][1:]:
                cell.fill = PatternFill("solid", fgColor="FFF7D6")
        if col in ("suggested_reasons", "evidence", "level_descriptions"):
            for cell in ws[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    grade_col = ws.cell(row=1, column=SHEET_COLUMNS.index("grade") + 1).column_letter
    levels = ",".join(str(n) for n in range(scale[0], scale[1] + 1))
    dv = DataValidation(type="list", formula1=f'"{levels},cannot assess"', allow_blank=True)
    dv.error = f"Enter {scale[0]}-{scale[1]}, 'cannot assess', or leave blank"
    ws.add_data_validation(dv)
    if len(rows):
        dv.add(f"{grade_col}2:{grade_col}{len(rows) + 1}")
    ws.freeze_panes = "E2"
    wb.save(path)
    return path


# Columns a reviewer reads but never fills in; they may quote crawled text.
READ_ONLY = ("site_name", "criterion_title", "suggested_reasons", "evidence", "level_descriptions")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """A text that a spreadsheet would run as a formula, with a leading apostrophe; any other value as it is."""
    # A spreadsheet program opening a CSV runs a cell starting with = + - @ as a formula, and crawled text and
    # notes may start so.
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_safe(column: str, value) -> str:
    if value is None:
        return ""
    # The columns a reviewer fills in are read back verbatim, so only the read-only ones are defused.
    text = str(value)
    return defuse(text) if column in READ_ONLY else text


def read_table(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and rows (with their row numbers) of a CSV or XLSX file, values as stripped strings."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError([Problem(name, None, "", "file not found")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InputError([Problem(name, None, "", f"not a readable XLSX workbook ({type(exc).__name__})")]) from None
        ws = wb.active
        it = ws.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(it, [])]
        rows = []
        for n, values in enumerate(it, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            rows.append((n, {h: _cell(v) for h, v in zip(header, values) if h}))
        wb.close()
        return header, rows
    if suffix not in (".csv", ".txt", ".tsv"):
        raise InputError([Problem(name, None, "", "unknown sheet format; use a .csv or .xlsx file")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1251")  # spreadsheets saved as CSV on Russian-locale Windows
    dialect = csv.excel_tab if suffix == ".tsv" else csv.excel
    reader = csv.reader(io.StringIO(text), dialect=dialect)
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for n, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append((n, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h}))
    return header, rows


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def parse_grade(text: str, scale: tuple[int, int] = (1, 5)) -> tuple[int | None, bool, str]:
    """(level, cannot_assess, error) from a grade cell; levels run over the rubric's scale."""
    low, high = scale
    t = (text or "").strip().lower()
    if not t:
        return None, False, ""
    if t in CANNOT:
        return None, True, ""
    try:
        value = float(t.replace(",", "."))
    except ValueError:
        return None, False, f"grade {text!r} is not {low}-{high}, blank, or 'cannot assess'"
    if not value.is_integer() or not low <= value <= high:
        return None, False, f"grade {text!r} is not a whole number from {low} to {high}"
    return int(value), False, ""


def parse_evidence_urls(text: str) -> tuple[str, str]:
    """(the links one per line, error) from a cell of web addresses separated by new lines or spaces."""
    # A trailing comma or semicolon separates the reviewer's list; it is never part of the address.
    urls = [u.rstrip(",;") for u in (text or "").split() if u.rstrip(",;")]
    bad = [u for u in urls if not _WEB_URL.match(u)]
    if bad:
        return "", f"{bad[0][:80]!r} is not a web address (http:// or https://)"
    return "\n".join(urls), ""


def read_sheet(path: str | Path, site_ids: Iterable[str], criteria: Iterable[str],
               reviewer: str | None = None, scale: tuple[int, int] = (1, 5)) -> list[SheetRow]:
    """Read and validate a grading sheet; InputError lists every bad row (file:row: field: problem)."""
    name = str(path)
    header, rows = read_table(path)
    if not header or not any(header):
        raise InputError([Problem(name, 1, "header", "the sheet is empty; export one with `egov-survey review export`")])
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError([Problem(name, 1, "header", f"missing column(s) {', '.join(missing)}; "
                                  f"export a fresh sheet with `egov-survey review export`")])
    sites, crits = set(site_ids), set(criteria)
    problems: list[Problem] = []
    out: list[SheetRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for n, r in rows:
        site, crit = r.get("site_id", ""), r.get("criterion", "")
        level, cannot, err = parse_grade(r.get("grade", ""), scale)
        if r.get("cannot_assess", "").lower() in TRUE and not err:
            if level is not None:
                problems.append(Problem(name, n, "cannot_assess", f"says cannot assess, but the grade is {level}; "
                                        "keep one of the two"))
            cannot = True
        urls, url_err = parse_evidence_urls(r.get("evidence_urls", ""))
        if url_err:
            problems.append(Problem(name, n, "evidence_urls", url_err))
        row_reviewer = r.get("reviewer", "")
        if reviewer is not None and row_reviewer and row_reviewer != reviewer:
            problems.append(Problem(name, n, "reviewer", f"this row is {row_reviewer}'s, but the sheet is being "
                                    f"imported as {reviewer}'s; import it with --reviewer {row_reviewer}, "
                                    "or clear the reviewer column"))
        if site not in sites:
            problems.append(Problem(name, n, "site_id", f"unknown site {site!r} (not in this round)"))
        if crit not in crits:
            problems.append(Problem(name, n, "criterion", f"unknown criterion {crit!r}; expected one of {', '.join(sorted(crits))}"))
        if err:
            problems.append(Problem(name, n, "grade", err))
        key = (site, crit, r.get("reviewer", ""))
        if key in seen:
            problems.append(Problem(name, n, "site_id", f"{site} / {crit} appears again (first on row {seen[key]})"))
        seen.setdefault(key, n)
        if level is None and not cannot and not r.get("note"):
            continue  # an untouched row
        out.append(SheetRow(n, site, crit, level, cannot, r.get("note", ""), urls, row_reviewer))
    if problems:
        raise InputError(problems)
    return out
