"""The demo's double grading: a second reviewer's sheet and one decision by the lead.

`reviewer-sheet-2.csv` is graded by "demo-reviewer-2" on most of the cells "demo-reviewer" graded (plus one of
its own): it agrees on most and disagrees on four, one of which the lead ("demo-lead") decides. So the demo
report has agreement figures, an adjudicated cell, cells awaiting adjudication and single-reviewer cells.
"""

from __future__ import annotations

from pathlib import Path

from rubric.model import Rubric
from scoring.sheets import read_sheet
from survey.db import Database, Round
from survey.grading import adjudicate, import_rows

SECOND_SHEET = Path(__file__).parent / "reviewer-sheet-2.csv"
SECOND_REVIEWER = "demo-reviewer-2"
LEAD = "demo-lead"
DECISION = ("ministry-of-water-resources", "general-information", 3,
            "Organised and partly current: the level-3 text fits better than a mostly static site")


def add_double_grading(db: Database, rnd: Round, rubric: Rubric) -> int:
    """Import the second reviewer's sheet and the lead's decision; return the grades written."""
    rows = read_sheet(SECOND_SHEET, db.site_ids(rnd), [c.id for c in rubric.judged], reviewer=SECOND_REVIEWER,
                      scale=(rubric.scale.min, rubric.scale.max))
    report = import_rows(db, rnd, rows, SECOND_REVIEWER)
    site, criterion, level, reason = DECISION
    adjudicate(db, rnd, site, criterion, level, reason, LEAD, rubric)
    return report.written
