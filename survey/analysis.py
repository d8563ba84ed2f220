"""The pandas API for analysts: a round, or several, as DataFrames straight from the round database.

`load_round(db, round)` gives the long table (one row per site x criterion: suggested, reviewer and final
grade, the final grade's provenance, evidence count; columns in docs/export.md) with proper dtypes;
`wide(df)` pivots it to one row per site and one column per criterion; `load_series(db, rounds)` stacks
several rounds for comparisons over time. pandas is imported here only, so the CLI starts without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from rubric.model import Rubric, load_rubric
from survey.db import Database, Round
from survey.tables import LONG_COLUMNS, long_table

if TYPE_CHECKING:
    import pandas as pd

LEVEL_COLUMNS = ("suggested_level", "reviewer_level", "final_level")


def _db(db: Database | str | Path) -> Database:
    return db if isinstance(db, Database) else Database(db)


def _round(db: Database, rnd: Round | str | None) -> Round:
    return rnd if isinstance(rnd, Round) else db.round(rnd)


def load_round(db: Database | str | Path, round: Round | str | None = None, rubric: Rubric | None = None) -> "pd.DataFrame":
    """One row per site x criterion of a round (default: the latest) with grades, provenance and evidence count."""
    import pandas as pd

    db = _db(db)
    rnd = _round(db, round)
    df = pd.DataFrame(long_table(db, rnd, rubric or load_rubric()), columns=LONG_COLUMNS)
    for col in LEVEL_COLUMNS:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Float64")
    df["evidence_count"] = df["evidence_count"].astype("Int64")
    for col in ("round", "site_id", "criterion", "provenance"):
        df[col] = df[col].astype("string")
    return df


def wide(df: "pd.DataFrame", value: str = "final_level") -> "pd.DataFrame":
    """One row per site, one column per criterion (in the long table's order), holding `value`."""
    order = list(dict.fromkeys(df["criterion"]))
    out = df.pivot(index="site_id", columns="criterion", values=value)
    return out[order]


def load_series(db: Database | str | Path, rounds: Iterable[str] | None = None,
                rubric: Rubric | None = None) -> "pd.DataFrame":
    """The long tables of several rounds (default: all, oldest first) stacked, with each round's audit date."""
    import pandas as pd

    db = _db(db)
    chosen = [db.round(n) for n in rounds] if rounds else sorted(db.rounds(), key=lambda r: (r.audit_date, r.id))
    frames = []
    for rnd in chosen:
        df = load_round(db, rnd, rubric)
        df.insert(1, "audit_date", pd.to_datetime(rnd.audit_date))
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["round", "audit_date", *LONG_COLUMNS[1:]])
