"""Traffic figures in the round database: importing a CSV for a round without losing what is stored.

One figure per site and metric per round. An import that would change a stored figure lists the conflicts
and writes nothing unless told to replace, as reviewer sheets do; an identical figure is left as it is. The
grades themselves are computed by `egov-survey score` (scoring.traffic's quintiles), not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import and_, insert, select, update

from scoring.traffic import Figure, read_traffic_csv
from survey import schema
from survey.db import Database, Round


@dataclass
class TrafficImport:
    written: int = 0
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)


def _show(v: float | None) -> str:
    if v is None:
        return "no figure"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,}"


def import_traffic(db: Database, rnd: Round, path: str | Path, metric: str, *, replace: bool = False,
                   source: str = "") -> TrafficImport:
    """Validate a traffic CSV and store its figures for the round; with conflicts and no `replace`, write nothing."""
    figures = read_traffic_csv(path, metric, db.site_ids(rnd))
    return store_figures(db, rnd, figures, metric, replace=replace, default_source=source or Path(path).name)


def store_figures(db: Database, rnd: Round, figures: list[Figure], metric: str, *, replace: bool = False,
                  default_source: str = "") -> TrafficImport:
    """Store validated figures (see `import_traffic`)."""
    out = TrafficImport()
    t = schema.traffic.c
    with db.engine.begin() as conn:
        stored = {r.site_id: r for r in conn.execute(select(schema.traffic).where(
            and_(t.round_id == rnd.id, t.metric == metric)))}
        for f in figures:
            old = stored.get(f.site_id)
            if old is not None and old.value != f.value:
                out.conflicts.append(f"row {f.row}: {f.site_id} has {metric} {_show(old.value)} stored, "
                                     f"the file says {_show(f.value)}")
        if out.conflicts and not replace:
            return out
        for f in figures:
            values = dict(value=f.value, source=f.source or default_source, period=f.period, note=f.note)
            old = stored.get(f.site_id)
            if old is None:
                conn.execute(insert(schema.traffic).values(round_id=rnd.id, site_id=f.site_id, metric=metric, **values))
                out.written += 1
            elif old.value == f.value and (old.source, old.period, old.note) == (values["source"], f.period, f.note):
                out.unchanged += 1
            else:
                conn.execute(update(schema.traffic).where(t.id == old.id).values(**values))
                out.written += 1
    return out


def figures_for_round(db: Database, rnd: Round) -> dict[str, dict[str, dict]]:
    """{metric: {site_id: row}} of the round's stored figures."""
    out: dict[str, dict[str, dict]] = {}
    with db.engine.connect() as conn:
        for r in conn.execute(select(schema.traffic).where(schema.traffic.c.round_id == rnd.id)
                              .order_by(schema.traffic.c.id)).mappings():
            out.setdefault(r["metric"], {})[r["site_id"]] = dict(r)
    return out
