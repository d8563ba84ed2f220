"""The demo's context around its round: an earlier fictional round, traffic figures and the UN indices.

So that the demo report shows every section with data: `previous-round.csv` is a fictional audit of 2022
(four of today's demo sites, plus a ministry that no longer exists; a spreadsheet in the format of the
2010 study's transcription, imported as a historical round), `traffic.csv` gives fictional monthly visits
(one site without a counter, to show a site marked as having no figure), and `un-egov-kaz.csv` holds
Kazakhstan's real UN E-Government Survey figures for 2010-2024, extracted from the UN exports described in
docs/methodology.md.
"""

from __future__ import annotations

from pathlib import Path

from rubric.model import Rubric
from survey.db import Database, Round

HERE = Path(__file__).parent
PREVIOUS = HERE / "previous-round.csv"
TRAFFIC = HERE / "traffic.csv"
UN_FILE = HERE / "un-egov-kaz.csv"
PREVIOUS_ROUND = "demo-2022"


def add_previous_round(db: Database, rubric: Rubric) -> Round:
    """Import and score the fictional 2022 round (before the demo round, so the demo round stays the latest)."""
    from survey.history import import_historical_round
    from survey.scores import score_round

    prev = import_historical_round(db, PREVIOUS, PREVIOUS_ROUND, "2022-09-15", rubric, reviewer="demo-2022-team",
                                   title="Demo audit 2022 (fictional)")
    score_round(db, prev.round, rubric)
    return prev.round


def add_context(db: Database, rnd: Round) -> dict[str, int]:
    """Import the demo round's traffic figures and the UN indices of its country."""
    from survey.traffic import import_traffic
    from survey.un import import_un

    traffic = import_traffic(db, rnd, TRAFFIC, "monthly-visits")
    un = import_un(db, [UN_FILE], countries=[rnd.country or "KAZ"])
    return {"traffic_figures": traffic.written, "un_years": len(un.years)}
