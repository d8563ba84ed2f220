"""The round database: opening it (SQLite file or any SQLAlchemy URL), migrating it, and finding rounds.

The embedded default is one SQLite file (`./survey.db`); a `postgresql://...` URL works the same way through
SQLAlchemy Core. Stage modules (survey.store, survey.grading, survey.scores) run their own queries through
`Database.engine`; this module only knows rounds and sites.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import create_engine, event, select, func
from sqlalchemy.engine import Engine

from rubric.yamlfile import InputError
from survey import schema
from survey.migrations import migrate


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Round:
    id: int
    name: str
    kind: str
    audit_date: str
    created_at: str
    rubric_id: str
    rubric_version: str
    rubric_sha256: str
    sites_sha256: str
    sites_path: str
    title: str
    country: str
    settings_json: str
    notes: str

    @property
    def settings(self) -> dict[str, Any]:
        return json.loads(self.settings_json or "{}")


def _is_url(target: str) -> bool:
    return "://" in target


class Database:
    """One audit's database: every round, its evidence index, grades and scores."""

    def __init__(self, target: str | Path, *, create: bool = False):
        target = str(target)
        self.target = target
        if _is_url(target):
            url = target
            self.path: Path | None = Path(target.split("///", 1)[1]) if target.startswith("sqlite:///") else None
        else:
            self.path = Path(target)
            url = f"sqlite:///{self.path}"
        if self.path is not None and not self.path.exists():
            if not create:
                raise InputError([f"{self.path}: database not found. Run `egov-survey crawl` (or `egov-survey run`) "
                                  "to start a round, or pass --db with the path of an existing survey database."])
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path is not None and self.path.exists() and self.path.stat().st_size > 0:
            with open(self.path, "rb") as fh:
                if fh.read(16) != b"SQLite format 3\x00":
                    raise InputError([f"{self.path}: not a survey database (not an SQLite file); "
                                      "pass --db with the path of a survey database"])
        self.engine: Engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            migrate(self.engine)
        except RuntimeError as exc:
            raise InputError([f"{target}: {exc}"]) from None

    # -- rounds ------------------------------------------------------------------------------------------
    def rounds(self) -> list[Round]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.rounds).order_by(schema.rounds.c.id)).mappings().all()
        return [Round(**dict(r)) for r in rows]

    def round(self, name: str | None = None) -> Round:
        """The named round, or the latest one; InputError naming the known rounds if there is none."""
        rounds = self.rounds()
        if not rounds:
            raise InputError([f"{self.target}: the database has no rounds yet; run `egov-survey crawl` to start one"])
        if name is None:
            return rounds[-1]
        for r in rounds:
            if r.name == name:
                return r
        raise InputError([f"{self.target}: no round named {name!r}; known rounds: {', '.join(r.name for r in rounds)}"])

    def has_round(self, name: str) -> bool:
        return any(r.name == name for r in self.rounds())

    def create_round(self, name: str, *, rubric, sites_cfg=None, kind: str = "audit", audit_date: str | None = None,
                     settings: dict | None = None, notes: str = "") -> Round:
        if self.has_round(name):
            raise InputError([f"{self.target}: a round named {name!r} already exists; choose another --round name"])
        values = dict(
            name=name, kind=kind, audit_date=audit_date or date.today().isoformat(), created_at=now(),
            rubric_id=rubric.id, rubric_version=rubric.version, rubric_sha256=rubric.sha256,
            sites_sha256=getattr(sites_cfg, "sha256", "") or "", sites_path=getattr(sites_cfg, "path", "") or "",
            title=(sites_cfg.survey.title if sites_cfg is not None else ""),
            country=(sites_cfg.survey.country if sites_cfg is not None else ""),
            settings_json=json.dumps(settings or {}, sort_keys=True), notes=notes,
        )
        with self.engine.begin() as conn:
            conn.execute(schema.rounds.insert().values(**values))
        rnd = self.round(name)
        if sites_cfg is not None:
            self.sync_sites(rnd, sites_cfg.sites)
        return rnd

    def update_round(self, rnd: Round, **values) -> Round:
        with self.engine.begin() as conn:
            conn.execute(schema.rounds.update().where(schema.rounds.c.id == rnd.id).values(**values))
        return self.round(rnd.name)

    # -- sites -------------------------------------------------------------------------------------------
    def sync_sites(self, rnd: Round, site_list: Iterable[Any]) -> None:
        """Add or update the round's sites from the configuration; never drops a site or its evidence."""
        with self.engine.begin() as conn:
            have = set(conn.execute(select(schema.sites.c.site_id).where(schema.sites.c.round_id == rnd.id)).scalars())
            for s in site_list:
                values = dict(name_json=json.dumps(s.name, ensure_ascii=False), url=s.url, current_url=s.current_url,
                              kind=s.kind, config_json=s.model_dump_json(exclude_none=True))
                if s.id in have:
                    conn.execute(schema.sites.update().where(schema.sites.c.round_id == rnd.id)
                                 .where(schema.sites.c.site_id == s.id).values(**values))
                else:
                    conn.execute(schema.sites.insert().values(round_id=rnd.id, site_id=s.id, **values))

    def add_site_row(self, rnd: Round, site_id: str, name: dict[str, str], url: str, kind: str = "ministry") -> None:
        """Add a site known only by id and name (historical rounds)."""
        with self.engine.begin() as conn:
            exists = conn.execute(select(func.count()).select_from(schema.sites).where(schema.sites.c.round_id == rnd.id)
                                  .where(schema.sites.c.site_id == site_id)).scalar()
            if not exists:
                conn.execute(schema.sites.insert().values(round_id=rnd.id, site_id=site_id, url=url, kind=kind,
                                                          name_json=json.dumps(name, ensure_ascii=False)))

    def sites(self, rnd: Round) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.sites).where(schema.sites.c.round_id == rnd.id)
                                .order_by(schema.sites.c.site_id)).mappings().all()
        out = []
        for r in rows:
            d = dict(r)
            d["name"] = json.loads(d.pop("name_json"))
            out.append(d)
        return out

    def site_ids(self, rnd: Round) -> list[str]:
        return [s["site_id"] for s in self.sites(rnd)]

    def evidence_dir(self, rnd: Round) -> Path:
        """Where a round's WARC files and screenshots live: beside the database file."""
        base = self.path.with_suffix("") if self.path is not None else Path("survey")
        return Path(f"{base}-evidence") / f"round-{rnd.id}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the reviewer app read while a crawl writes; the timeout makes concurrent writers wait, not fail.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
