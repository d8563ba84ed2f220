"""Writing the long table (one row per site x criterion) as CSV, JSON or XLSX: the analysts' interface."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from rubric.model import Rubric
from survey.db import Database, Round
from survey.tables import LONG_COLUMNS, long_table


def write_long(db: Database, rnd: Round, rubric: Rubric, fmt: str, output: Path | None) -> int:
    rows = long_table(db, rnd, rubric)
    if fmt == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=1)
        if output is None:
            sys.stdout.write(text + "\n")
        else:
            Path(output).write_text(text + "\n", encoding="utf-8")
    elif fmt == "csv":
        fh = sys.stdout if output is None else open(output, "w", newline="", encoding="utf-8")
        try:
            w = csv.DictWriter(fh, fieldnames=LONG_COLUMNS, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        finally:
            if output is not None:
                fh.close()
    else:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = f"round {rnd.name}"[:31]
        ws.append(LONG_COLUMNS)
        for r in rows:
            ws.append([r[c] for c in LONG_COLUMNS])
        wb.save(output)
    return len(rows)
