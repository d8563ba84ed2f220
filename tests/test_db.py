"""The round database: migrations reach the current schema, and a version-1 database still opens."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, inspect

from rubric import InputError, load_rubric
from survey import schema
from survey.db import Database
from survey.migrations import MIGRATIONS, applied
from tests.conftest import REPO


def _columns(engine) -> dict[str, list[tuple[str, bool]]]:
    insp = inspect(engine)
    return {t: sorted((c["name"], bool(c["nullable"])) for c in insp.get_columns(t))
            for t in sorted(insp.get_table_names()) if t != "schema_migrations"}


def test_migrations_build_exactly_the_current_schema(db_path):
    db = Database(db_path, create=True)
    reference = create_engine("sqlite://")
    schema.metadata.create_all(reference)
    assert _columns(db.engine) == _columns(reference)
    with db.engine.connect() as conn:
        assert applied(conn) == [name for name, _ in MIGRATIONS]


def test_a_version_1_database_opens_and_keeps_its_rounds(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript((REPO / "tests" / "data" / "survey-v1.sql").read_text(encoding="utf-8"))
    con.close()
    db = Database(path)
    assert [(r.name, r.kind, r.audit_date) for r in db.rounds()] == [("2010", "historical", "2010-09-01")]
    assert _columns(db.engine) == _columns(Database(tmp_path / "new.db", create=True).engine)


def test_missing_database_and_unknown_round_are_input_errors(db_path, tmp_path):
    with pytest.raises(InputError, match="database not found"):
        Database(db_path)
    assert not db_path.exists()  # looking for a database never creates one
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    with pytest.raises(InputError, match="not a survey database"):
        Database(junk)
    db = Database(db_path, create=True)
    with pytest.raises(InputError, match="no rounds yet"):
        db.round()
    db.create_round("r1", rubric=load_rubric())
    with pytest.raises(InputError, match=r"no round named 'r2'; known rounds: r1"):
        db.round("r2")
    with pytest.raises(InputError, match="already exists"):
        db.create_round("r1", rubric=load_rubric())


def test_a_database_from_a_newer_version_is_refused(db_path):
    Database(db_path, create=True).engine.dispose()
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO schema_migrations VALUES ('m999_future', 'x')")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="newer egov-survey"):
        Database(db_path)


def test_columns_added_by_migrations_keep_not_null_and_defaults(tmp_path):
    """An upgraded version-1 database gets the new NOT NULL columns as NOT NULL, with their defaults filled in."""
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript((REPO / "tests" / "data" / "survey-v1.sql").read_text(encoding="utf-8"))
    con.execute("INSERT INTO site_scores (round_id, site_id, graded, automated, computed_at) VALUES (1, 'a', 0, 0, 'x')")
    con.commit()
    con.close()
    db = Database(path)
    info = {c["name"]: c for c in inspect(db.engine).get_columns("site_scores")}
    assert info["criteria"]["nullable"] is False
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT criteria FROM site_scores").scalar() == ""


@pytest.mark.parametrize("value,sql", [("", "''"), ("it's", "'it''s'"), ('say "x"', "'say \"x\"'"), (True, "1"), (0, "0")])
def test_defaults_are_written_as_sql_literals(value, sql):
    from survey.migrations import _sql_literal

    assert _sql_literal(value) == sql
