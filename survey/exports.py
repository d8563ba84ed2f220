"""The report's tables as data files: CSV (one file per table) and XLSX (one workbook, a sheet per table).

The long table (one row per site x criterion) is the stable interface for analysts (docs/export.md); the
other tables are the report's own: the wide site x criterion matrix, the ranking, the distributions, the
comparison with the previous round, every round's means by criterion, traffic figures with their grades, reviewer agreement, technical
indicators and the UN context. Values are machine-readable (dots for decimals, ids beside names) and every
grade carries its provenance. Text cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rubric.model import Rubric
from scoring.index import criterion_stats
from scoring.sheets import defuse
from survey import schema
from survey.db import Database, Round
from survey.tables import LONG_COLUMNS, long_table

TABLES = ("long", "wide", "ranking", "distributions", "comparison", "rounds", "traffic", "agreement", "technical", "un")
Table = tuple[list[str], list[dict[str, Any]]]


def report_tables(db: Database, rnd: Round, rubric: Rubric, *, compare_with: str | None = None,
                  only: tuple[str, ...] = TABLES) -> dict[str, Table]:
    """The report's tables as (columns, rows), machine-readable."""
    from survey.report import previous_round, round_trend, shown_criteria, snapshot
    from scoring.compare import compare

    out: dict[str, Table] = {}
    sites = db.sites(rnd)
    names = {s["site_id"]: s["name"].get("en", s["site_id"]) for s in sites}
    w = lambda t: t.c.round_id == rnd.id  # noqa: E731
    with db.engine.connect() as conn:
        finals = {(r.site_id, r.criterion): r for r in conn.execute(select(schema.final_scores).where(w(schema.final_scores)))}
        scores = {r.site_id: r for r in conn.execute(select(schema.site_scores).where(w(schema.site_scores)))}
        traffic = list(conn.execute(select(schema.traffic).where(w(schema.traffic)).order_by(schema.traffic.c.id)))
        agreement = list(conn.execute(select(schema.agreement).where(w(schema.agreement))))
        technical = list(conn.execute(select(schema.technical).where(w(schema.technical))))
        un = list(conn.execute(select(schema.un_indices).where(schema.un_indices.c.country == (rnd.country or "").upper())
                               .order_by(schema.un_indices.c.year)))
    criteria = shown_criteria(rubric, finals)
    if "long" in only:
        out["long"] = (LONG_COLUMNS, long_table(db, rnd, rubric))
    if "wide" in only:
        cols = ["site_id", "site_name"] + [x for c in criteria for x in (c.id, f"{c.id}_provenance")] + ["score", "rank"]
        rows = []
        for s in sites:
            sid = s["site_id"]
            row: dict[str, Any] = {"site_id": sid, "site_name": names[sid]}
            for c in criteria:
                f = finals.get((sid, c.id))
                row[c.id] = f.level if f is not None else None
                row[f"{c.id}_provenance"] = f.provenance if f is not None else "missing"
            sc = scores.get(sid)
            row["score"], row["rank"] = (sc.score, sc.rank) if sc is not None else (None, None)
            rows.append(row)
        out["wide"] = (cols, rows)
    if "ranking" in only:
        cols = ["rank", "site_id", "site_name", "score", "graded", "automated", "criteria"]
        rows = sorted(({"rank": sc.rank, "site_id": sid, "site_name": names.get(sid, sid), "score": sc.score,
                        "graded": sc.graded, "automated": sc.automated, "criteria": sc.criteria or ""}
                       for sid, sc in scores.items()), key=lambda r: (r["rank"] is None, r["rank"] or 0, r["site_id"]))
        out["ranking"] = (cols, rows)
    if "distributions" in only:
        cols = ["criterion", "level_1", "level_2", "level_3", "level_4", "level_5", "none", "graded", "mean", "median",
                "reviewed"]
        rows = []
        for c in criteria:
            st = criterion_stats([(finals[(s["site_id"], c.id)].level, finals[(s["site_id"], c.id)].provenance)
                                  if (s["site_id"], c.id) in finals else (None, "missing") for s in sites])
            rows.append({"criterion": c.id, **{f"level_{k}": v for k, v in st.counts.items()}, "none": st.missing,
                         "graded": st.n, "mean": st.mean, "median": st.median, "reviewed": st.reviewed})
        out["distributions"] = (cols, rows)
    if "comparison" in only:
        cols = ["previous_round", "site_id", "site_name", "criterion", "previous_level", "previous_provenance", "level",
                "provenance", "delta", "status"]
        rows = []
        prev = db.round(compare_with) if compare_with else previous_round(db, rnd)
        if prev is not None:
            cmp = compare(snapshot(db, prev, rubric), snapshot(db, rnd, rubric))
            for sid in sorted(set(cmp.before.sites) | set(cmp.after.sites)):
                status_site = "new" if sid in cmp.new_sites else "vanished" if sid in cmp.vanished_sites else ""
                for cid in cmp.common_criteria:
                    b_level, b_prov = cmp.before.cells.get((sid, cid), (None, "missing"))
                    a_level, a_prov = cmp.after.cells.get((sid, cid), (None, "missing"))
                    delta = round(a_level - b_level, 4) if a_level is not None and b_level is not None else None
                    status = status_site or ("improved" if delta and delta > 0 else "declined" if delta and delta < 0
                                             else "unchanged" if delta == 0 else "not comparable")
                    rows.append({"previous_round": prev.name, "site_id": sid,
                                 "site_name": cmp.after.sites.get(sid) or cmp.before.sites.get(sid, sid), "criterion": cid,
                                 "previous_level": b_level, "previous_provenance": b_prov, "level": a_level,
                                 "provenance": a_prov, "delta": delta, "status": status})
        out["comparison"] = (cols, rows)
    if "rounds" in only:
        out["rounds"] = (["round", "audit_date", "criterion", "sites", "graded", "mean"],
                         [{"round": m.round, "audit_date": m.date, "criterion": m.criterion, "sites": m.sites,
                           "graded": m.graded, "mean": m.mean} for m in round_trend(db, rnd, rubric, [c.id for c in criteria])])
    if "traffic" in only:
        stat = {c.id for c in criteria if c.kind == "statistical"}
        cols = ["site_id", "metric", "value", "source", "period", "note", "grade", "provenance", "grade_detail"]
        rows = []
        for t in traffic:
            g = next((finals[(t.site_id, c)] for c in stat if (t.site_id, c) in finals), None)
            rows.append({"site_id": t.site_id, "metric": t.metric, "value": t.value, "source": t.source, "period": t.period,
                         "note": t.note, "grade": g.level if g is not None else None,
                         "provenance": g.provenance if g is not None else "", "grade_detail": g.detail if g is not None else ""})
        out["traffic"] = (cols, rows)
    if "agreement" in only:
        out["agreement"] = (["criterion", "metric", "value", "n_items"],
                            [{"criterion": a.criterion, "metric": a.metric, "value": a.value, "n_items": a.n_items}
                             for a in agreement])
    if "technical" in only:
        out["technical"] = (["site_id", "indicator", "value"],
                            [{"site_id": t.site_id, "indicator": t.indicator, "value": t.value_json} for t in technical])
    if "un" in only:
        out["un"] = (["country", "year", "rank", "egdi", "osi", "hci", "tii", "epart", "source"],
                     [{"country": u.country, "year": u.year, "rank": u.rank, "egdi": u.egdi, "osi": u.osi, "hci": u.hci,
                       "tii": u.tii, "epart": u.epart, "source": u.source} for u in un])
    return out


def write_csv(columns: list[str], rows: list[dict], fh) -> None:
    w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else defuse(r.get(k))) for k in columns})


def write_xlsx(tables: dict[str, Table], path: str | Path) -> Path:
    """One workbook, one sheet per table, bold frozen header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, (columns, rows) in tables.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append([defuse(r.get(c)) for c in columns])
        ws.freeze_panes = "A2"
        for i, c in enumerate(columns, start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(10, min(40, len(c) + 4))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_tables(tables: dict[str, Table], fmt: str, output: Path) -> list[Path]:
    """CSV: a folder with one file per table; XLSX: one workbook."""
    if fmt == "xlsx":
        return [write_xlsx(tables, output)]
    output.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (columns, rows) in tables.items():
        p = output / f"{name}.csv"
        with open(p, "w", newline="", encoding="utf-8") as fh:
            write_csv(columns, rows, fh)
        paths.append(p)
    return paths


def write_long(db: Database, rnd: Round, rubric: Rubric, fmt: str, output: Path | None) -> int:
    """The long table alone, as CSV, JSON or XLSX, to a file or standard output."""
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
            write_csv(LONG_COLUMNS, rows, fh)
        finally:
            if output is not None:
                fh.close()
    else:
        write_xlsx({f"round {rnd.name}": (LONG_COLUMNS, rows)}, output)
    return len(rows)
