"""The round database's current schema, as SQLAlchemy Core tables.

One SQLite file (or any SQLAlchemy URL) holds every round of an audit. A round is one audit at one time
(name, date, rubric id and version, hash of the sites file). Below it: the site list as configured for the
round, the capture index of the evidence store (WARC file and offset of every response), crawl findings
(faults), screenshots, check results with their evidence, suggested levels, reviewers, assignments, reviewer
grades with their full history, adjudications, agreement figures, final grades with provenance, site scores,
traffic figures, technical indicators and the UN E-Government indices for context.

This module describes the schema *now*; `survey.migrations` builds it step by step, and a test checks that
the migrations arrive exactly here. Change a table here only together with a new migration.
"""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, Float, ForeignKeyConstraint, Index, Integer, MetaData, PrimaryKeyConstraint,
                        String, Table, Text, UniqueConstraint)

metadata = MetaData()

rounds = Table(
    "rounds", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(20), nullable=False, default="audit"),  # audit | historical
    Column("audit_date", String(10), nullable=False),  # ISO date the audit refers to
    Column("created_at", String(32), nullable=False),
    Column("rubric_id", String(100), nullable=False),
    Column("rubric_version", String(50), nullable=False),
    Column("rubric_sha256", String(64), nullable=False, default=""),
    Column("sites_sha256", String(64), nullable=False, default=""),
    Column("sites_path", Text, nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("country", String(3), nullable=False, default=""),
    Column("settings_json", Text, nullable=False, default="{}"),  # crawl settings as resolved, for the methodology
    Column("notes", Text, nullable=False, default=""),
)

sites = Table(
    "sites", metadata,
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("name_json", Text, nullable=False),  # {"en": ..., "ru": ..., "kk": ...}
    Column("url", Text, nullable=False),  # as printed / configured
    Column("current_url", Text),
    Column("kind", String(50), nullable=False, default="ministry"),
    Column("config_json", Text, nullable=False, default="{}"),  # the site's entry in sites.yaml
    # crawl outcome: pending | ok | partial | unreachable | imported
    Column("crawl_status", String(20), nullable=False, default="pending"),
    Column("crawl_reason", Text, nullable=False, default=""),
    Column("crawl_summary_json", Text, nullable=False, default="{}"),
    PrimaryKeyConstraint("round_id", "site_id"),
    ForeignKeyConstraint(["round_id"], ["rounds.id"]),
)

captures = Table(
    "captures", metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("url", Text, nullable=False),  # the URL requested (normalised)
    Column("final_url", Text, nullable=False),  # after redirects
    Column("status", Integer),  # HTTP status; NULL for a fetch that got no response
    Column("content_type", String(200), nullable=False, default=""),
    Column("charset", String(50), nullable=False, default=""),  # as decoded (may differ from the declared one)
    Column("declared_charset", String(50), nullable=False, default=""),
    Column("length", Integer, nullable=False, default=0),  # bytes stored
    Column("truncated", Boolean, nullable=False, default=False),
    Column("fetched_at", String(32), nullable=False),
    # crawl | render | import (evidence); resource | robots | sitemap | screenshot (the rest of the record)
    Column("source", String(20), nullable=False, default="crawl"),
    Column("lang_version", String(20), nullable=False, default=""),  # language version it was reached from
    Column("depth", Integer, nullable=False, default=0),
    Column("referrer", Text, nullable=False, default=""),
    Column("link_text", Text, nullable=False, default=""),  # text of the first link that led here
    Column("warc_path", Text, nullable=False, default=""),  # relative to the round's evidence folder
    Column("warc_offset", Integer, nullable=False, default=0),
    Column("warc_length", Integer, nullable=False, default=0),
    Column("payload_digest", String(80), nullable=False, default=""),
    Column("elapsed_ms", Integer, nullable=False, default=0),
    Column("error", Text, nullable=False, default=""),
    Column("declared_length", Integer),  # Content-Length as announced (a truncated file's full size)
    Column("doc_type", String(20), nullable=False, default=""),  # html | pdf | docx | xlsx | ... (from the bytes)
    Column("priority", Integer, nullable=False, default=0),  # the frontier's score for the URL
    Column("topic", String(50), nullable=False, default=""),  # the rubric topic that score came from
    Column("note", Text, nullable=False, default=""),  # why it was rendered, and similar remarks
    UniqueConstraint("round_id", "site_id", "url", "source", name="uq_capture"),
    Index("ix_captures_site", "round_id", "site_id"),
)

findings = Table(  # crawl faults and notes: dns, refused, timeout, http-4xx, tls, redirect-loop, trap, ...
    "crawl_findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("url", Text, nullable=False, default=""),
    Column("kind", String(50), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("at", String(32), nullable=False),
    Index("ix_findings_site", "round_id", "site_id"),
)

screenshots = Table(
    "screenshots", metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("url", Text, nullable=False),
    Column("lang_version", String(20), nullable=False, default=""),
    Column("path", Text, nullable=False),  # relative to the round's evidence folder
    Column("width", Integer, nullable=False, default=0),
    Column("height", Integer, nullable=False, default=0),
    Column("taken_at", String(32), nullable=False),
    UniqueConstraint("round_id", "site_id", "url", name="uq_screenshot"),
)

check_results = Table(
    "check_results", metadata,
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("check_id", String(100), nullable=False),
    Column("criterion", String(100), nullable=False),
    Column("status", String(20), nullable=False),  # found | partial | not-found | not-applicable | error
    Column("level", Integer),  # the check's own suggestion, if it makes one
    Column("explanation", Text, nullable=False, default=""),
    Column("features_json", Text, nullable=False, default="{}"),  # named findings fed to the level rules
    Column("findings_json", Text, nullable=False, default="[]"),
    Column("error", Text, nullable=False, default=""),
    Column("ran_at", String(32), nullable=False),
    PrimaryKeyConstraint("round_id", "site_id", "check_id"),
)

evidence = Table(
    "evidence", metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("check_id", String(100), nullable=False),
    Column("criterion", String(100), nullable=False),
    Column("url", Text, nullable=False),
    Column("label", Text, nullable=False, default=""),  # what this item shows, in a few words
    Column("snippet", Text, nullable=False, default=""),  # the element or text, as found (untrusted)
    Column("location", Text, nullable=False, default=""),  # an XPath or CSS path within the page
    Column("region_json", Text, nullable=False, default=""),  # {"screenshot": id, "x":..,"y":..,"w":..,"h":..}
    Index("ix_evidence_site", "round_id", "site_id", "criterion"),
)

suggestions = Table(
    "suggestions", metadata,
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("criterion", String(100), nullable=False),
    Column("level", Integer),  # NULL: the checks could not suggest a level
    Column("reasons_json", Text, nullable=False, default="[]"),
    Column("features_json", Text, nullable=False, default="{}"),
    Column("evidence_count", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("round_id", "site_id", "criterion"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("display_name", Text, nullable=False, default=""),
    Column("role", String(20), nullable=False, default="reviewer"),  # lead | reviewer
    Column("password_hash", Text, nullable=False, default=""),  # empty: cannot log in to the web app
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String(32), nullable=False),
)

assignments = Table(
    "assignments", metadata,
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("reviewer", String(100), nullable=False),
    Column("assigned_at", String(32), nullable=False),
    PrimaryKeyConstraint("round_id", "site_id", "reviewer"),
)

grades = Table(  # the current grade per reviewer; every change also goes to grade_history
    "grades", metadata,
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("criterion", String(100), nullable=False),
    Column("reviewer", String(100), nullable=False),
    Column("level", Float),  # NULL with cannot_assess; may be fractional for historical ranges (3-4 -> 3.5)
    Column("cannot_assess", Boolean, nullable=False, default=False),
    Column("note", Text, nullable=False, default=""),
    Column("evidence_urls", Text, nullable=False, default=""),  # newline-separated
    Column("source", String(20), nullable=False, default="web"),  # web | sheet | historical
    Column("updated_at", String(32), nullable=False),
    Column("confidence", String(20), nullable=False, default=""),  # a transcriber's confidence (historical rounds)
    PrimaryKeyConstraint("round_id", "site_id", "criterion", "reviewer"),
)

grade_history = Table(
    "grade_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("criterion", String(100), nullable=False),
    Column("reviewer", String(100), nullable=False),
    Column("old_level", Float),
    Column("new_level", Float),
    Column("old_cannot_assess", Boolean, nullable=False, default=False),
    Column("new_cannot_assess", Boolean, nullable=False, default=False),
    Column("note", Text, nullable=False, default=""),
    Column("changed_by", String(100), nullable=False),
    Column("changed_at", String(32), nullable=False),
    Column("source", String(20), nullable=False, default="web"),
    Index("ix_history_cell", "round_id", "site_id", "criterion"),
)

adjudications = Table(
    "adjudications", metadata,
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("criterion", String(100), nullable=False),
    Column("level", Float, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("decided_by", String(100), nullable=False),
    Column("decided_at", String(32), nullable=False),
    PrimaryKeyConstraint("round_id", "site_id", "criterion"),
)

review_settings = Table(  # per-round settings of the reviewer app; a round without a row is blind
    "review_settings", metadata,
    Column("round_id", Integer, primary_key=True),
    Column("blind", Boolean, nullable=False, default=True),  # reviewers never see each other's grades
    Column("updated_by", String(100), nullable=False, default=""),
    Column("updated_at", String(32), nullable=False),
)

web_sessions = Table(  # reviewer app sessions; the cookie holds a random token, the database only its SHA-256
    "web_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_name", String(100)),  # NULL before login: the session only carries the login form's CSRF token
    Column("csrf_token", String(64), nullable=False),
    Column("client", String(100), nullable=False, default=""),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("ended_at", String(32)),  # logout, or replaced at login
)

login_attempts = Table(  # for rate limiting the reviewer app's login
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_name", String(100), nullable=False),
    Column("client", String(100), nullable=False, default=""),
    Column("at", String(32), nullable=False),
    Column("success", Boolean, nullable=False, default=False),
    Index("ix_login_attempts_user", "user_name", "at"),
)

agreement = Table(
    "agreement", metadata,
    Column("round_id", Integer, nullable=False),
    Column("criterion", String(100), nullable=False),  # "*" for all criteria together
    Column("metric", String(50), nullable=False),  # kappa-quadratic | alpha-ordinal | exact | within-one | n
    Column("value", Float),
    Column("n_items", Integer, nullable=False, default=0),
    Column("computed_at", String(32), nullable=False),
    PrimaryKeyConstraint("round_id", "criterion", "metric"),
)

final_scores = Table(
    "final_scores", metadata,
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("criterion", String(100), nullable=False),
    Column("level", Float),  # NULL: missing
    # adjudicated | agreed | reviewer | automated | statistical | historical | missing
    Column("provenance", String(20), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("computed_at", String(32), nullable=False),
    PrimaryKeyConstraint("round_id", "site_id", "criterion"),
)

site_scores = Table(
    "site_scores", metadata,
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("score", Float),  # weighted mean of final levels; NULL if none
    Column("rank", Integer),
    Column("graded", Integer, nullable=False, default=0),  # criteria with a final level
    Column("automated", Integer, nullable=False, default=0),  # of which automated only
    Column("computed_at", String(32), nullable=False),
    Column("criteria", Text, nullable=False, default=""),  # the criteria the score averages, comma-separated
    PrimaryKeyConstraint("round_id", "site_id"),
)

traffic = Table(
    "traffic", metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("metric", String(50), nullable=False),  # monthly-visits | rank | ...
    Column("value", Float),
    Column("source", Text, nullable=False, default=""),
    Column("period", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
)

technical = Table(  # auxiliary indicators, never mixed into the criteria
    "technical", metadata,
    Column("round_id", Integer, nullable=False),
    Column("site_id", String(200), nullable=False),
    Column("indicator", String(100), nullable=False),
    Column("value_json", Text, nullable=False, default="null"),
    Column("computed_at", String(32), nullable=False),
    PrimaryKeyConstraint("round_id", "site_id", "indicator"),
)

un_indices = Table(
    "un_indices", metadata,
    Column("country", String(3), nullable=False),
    Column("year", Integer, nullable=False),
    Column("egdi", Float),
    Column("osi", Float),
    Column("hci", Float),
    Column("tii", Float),
    Column("epart", Float),
    Column("rank", Integer),
    Column("source", Text, nullable=False, default=""),
    PrimaryKeyConstraint("country", "year"),
)
