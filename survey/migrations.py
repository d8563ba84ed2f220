"""Schema migrations: named functions, applied in order, each once, each in its own transaction.

Every database records the migrations it has had in `schema_migrations`. Opening a database applies the
missing ones, so a file made by an older egov-survey still opens (a test keeps a version-1 database as SQL
and opens it with the current code). Migrations are written to be safe on a fresh database too: the first
creates every table the current schema has, later ones add only what is missing, so a fresh database and an
upgraded one end with the same schema (another test compares them).

To change the schema: edit survey/schema.py, then append a migration here that brings an older database to
the new shape (`_add_column`, `_create_table`), never edit or reorder an existing one.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import Column, Connection, String, Table, inspect, text
from sqlalchemy.schema import CreateIndex, CreateTable

from survey import schema

MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = []


def migration(fn: Callable[[Connection], None]) -> Callable[[Connection], None]:
    """Register a migration under its function name."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def _create_table(conn: Connection, table: Table) -> None:
    if not inspect(conn).has_table(table.name):
        conn.execute(CreateTable(table))
        for index in table.indexes:
            conn.execute(CreateIndex(index))


def _sql_literal(value) -> str:
    """A default value as SQL: booleans as 0/1, strings quoted the SQL way (a ' doubled), numbers as they are."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def _add_column(conn: Connection, table: Table, column_name: str) -> None:
    """Add a column of the current schema to an older table, if it lacks it."""
    have = {c["name"] for c in inspect(conn).get_columns(table.name)}
    if column_name in have:
        return
    col = table.c[column_name]
    ddl_type = col.type.compile(dialect=conn.dialect)
    default = ""
    if col.default is not None and not callable(col.default.arg):
        arg = col.default.arg
        default = f" DEFAULT {_sql_literal(arg)}"
    if not col.nullable and not default:
        raise ValueError(f"{table.name}.{column_name}: a NOT NULL column added to existing rows needs a default")
    # Existing rows take the default, so a NOT NULL column can be added as NOT NULL, as a fresh table has it.
    null = "" if col.nullable else " NOT NULL"
    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column_name}" {ddl_type}{null}{default}'))


# ---------------------------------------------------------------------------------------------------------
@migration
def m001_initial(conn: Connection) -> None:
    """The tables of egov-survey 0.1."""
    for table in schema.metadata.sorted_tables:
        _create_table(conn, table)


@migration
def m002_review_accounts(conn: Connection) -> None:
    """Reviewer app: sessions, login attempts, per-round blind mode; a confidence per grade (historical rounds)."""
    for table in (schema.review_settings, schema.web_sessions, schema.login_attempts):
        _create_table(conn, table)
    _add_column(conn, schema.grades, "confidence")


@migration
def m003_reports_index_criteria(conn: Connection) -> None:
    """Which criteria each site's score averages (the optional traffic grade counts only when asked)."""
    _add_column(conn, schema.site_scores, "criteria")


@migration
def m004_crawler_capture_details(conn: Connection) -> None:
    """Per capture: announced size, file kind from the bytes, the frontier's score and topic, a note."""
    for column in ("declared_length", "doc_type", "priority", "topic", "note"):
        _add_column(conn, schema.captures, column)


# ---------------------------------------------------------------------------------------------------------
_ledger = Table("schema_migrations", schema.MetaData(),
                Column("name", String(200), primary_key=True), Column("applied_at", String(32), nullable=False))


def applied(conn: Connection) -> list[str]:
    if not inspect(conn).has_table("schema_migrations"):
        return []
    return [r[0] for r in conn.execute(text("SELECT name FROM schema_migrations ORDER BY rowid"))]


def migrate(engine) -> list[str]:
    """Apply the missing migrations; return their names. Raises if the database is from a newer version."""
    with engine.begin() as conn:
        _create_table(conn, _ledger)
        done = applied(conn)
    known = [name for name, _ in MIGRATIONS]
    unknown = [n for n in done if n not in known]
    if unknown:
        raise RuntimeError(
            f"this database was written by a newer egov-survey (it has migration(s) {', '.join(unknown)}); "
            "upgrade egov-survey to open it"
        )
    ran = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with engine.begin() as conn:
            fn(conn)
            conn.execute(_ledger.insert().values(name=name, applied_at=datetime.now(timezone.utc).isoformat()))
        ran.append(name)
    return ran
