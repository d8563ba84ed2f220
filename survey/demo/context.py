"""The demo's context around its round: the 2010 study, an earlier fictional round, traffic and the UN indices.

So that the demo report shows every section with data: `previous-round.csv` is a fictional audit of 2022
(four of today's demo sites, plus a ministry that no longer exists; a spreadsheet in the format of the
2010 study's transcription, imported as a historical round), `traffic.csv` gives fictional monthly visits
(one site without a counter, to show a site marked as having no figure), and `un-egov-kaz.csv` holds
Kazakhstan's real UN E-Government Survey figures for 2010-2024, extracted from the UN exports described in
docs/methodology.md. `study2010-grades.csv` is the 2010 study's Table 3 as numbers (the twenty sites, each
criterion's grade where the study printed one, blank where it did not): the first real round of any audit of
Kazakhstan's ministries, which the demo imports so that its report follows the means from 2010 on. The demo's
sites are fictional and none of them is in 2010, so the 2010 round's sites are compared only by their means.
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
STUDY2010 = HERE / "study2010-grades.csv"


def add_study2010(db: Database, rubric: Rubric) -> Round:
    """Import and score the 2010 study's grades as the historical round `2010` (blanks stay "not graded")."""
    from survey.history import import_historical_round
    from survey.scores import score_round

    study = import_historical_round(db, STUDY2010, "2010", "2010-09-01", rubric, reviewer="study2010",
                                    title="Kazakhstan's ministry websites, 2010 study")
    score_round(db, study.round, rubric)
    return study.round


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
