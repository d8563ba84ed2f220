"""Synthetic rounds for tests and benchmarks: N sites with grades, evidence, traffic and an earlier round.

Writes straight into a round database what the crawl, check and review stages would have stored (sites,
suggestions with evidence, two reviewers' grades on part of the cells, adjudications, traffic figures,
technical indicators, home-page screenshots, UN indices) from a seeded random generator, so a report of
1,000 or 10,000 sites can be built in seconds and the same seed always gives the same round. Site names may
carry markup on purpose (`hostile=True`) to show that the report escapes them.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from sqlalchemy import insert

from rubric.model import Rubric
from survey import schema
from survey.db import Database, Round, now

HOSTILE = '<script>alert("x")</script><b onmouseover=alert(1)>Ministry</b> & Co'
UN_ROWS = [(2010, 46, 0.55782, 0.52698, 0.96773, 0.17969, 0.55714), (2012, 38, 0.68438, 0.78431, 0.91337, 0.35546, 0.9474),
           (2014, 28, 0.72827, 0.74803, 0.8619, 0.57488, 0.7647), (2016, 33, 0.72499, 0.76812, 0.8401, 0.56677, 0.59322),
           (2018, 39, 0.7597, 0.8681, 0.8388, 0.5723, 0.8371), (2022, 28, 0.8628, 0.9344, 0.9021, 0.752, 0.8068),
           (2024, 24, 0.90093, 0.93903, 0.84029, 0.92353, 0.8493)]


def site_id(i: int) -> str:
    return f"site-{i:05d}"


def make_screenshots(folder: Path, count: int = 4) -> list[str]:
    """A few full-page screenshot images (1280 x 2400 PNG), their paths relative to the folder."""
    from PIL import Image, ImageDraw

    (folder / "shots").mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(count):
        img = Image.new("RGB", (1280, 2400), (246, 248, 250))
        d = ImageDraw.Draw(img)
        d.rectangle((0, 0, 1280, 120), fill=(31 + 40 * k, 95, 168))
        d.rectangle((60, 180, 820, 560), fill=(220, 228, 238))
        for row in range(12):
            d.rectangle((60, 620 + row * 60, 1220 - 80 * (row % 4), 650 + row * 60), fill=(200, 206, 214))
        name = f"shots/home-{k}.png"
        img.save(folder / name)
        out.append(name)
    return out


def build_round(db: Database, rubric: Rubric, n_sites: int, *, name: str = "synthetic", audit_date: str = "2026-09-01",
                seed: int = 1, kind: str = "audit", hostile: bool = False, screenshots: bool = True,
                traffic: bool = True, technical: bool = True, un: bool = True, drop: int = 0, sites_from: int = 0) -> Round:
    """Create round `name` with `n_sites` synthetic sites and everything the report reads (scores not yet computed)."""
    rng = random.Random(seed)
    rnd = db.create_round(name, rubric=rubric, kind=kind, audit_date=audit_date,
                          settings={site_id(i): {"delay": 1.0, "max_pages": 60, "render": "auto", "robots": True}
                                    for i in range(sites_from, sites_from + min(n_sites, 50))})
    rnd = db.update_round(rnd, title=f"Synthetic audit of {n_sites:,} sites", country="KAZ")
    judged = [c.id for c in rubric.judged]
    ids = [site_id(i) for i in range(sites_from + drop, sites_from + n_sites + drop)]
    quality = {sid: rng.random() for sid in ids}
    stamp = now()
    shots = make_screenshots(db.evidence_dir(rnd)) if screenshots else []
    site_rows, sugg, ev, grades, adj, tech, traf, shot_rows = [], [], [], [], [], [], [], []
    for k, sid in enumerate(ids):
        label = HOSTILE if hostile and k == 0 else f"Ministry number {sid[5:]}"
        site_rows.append(dict(round_id=rnd.id, site_id=sid, name_json=json.dumps({"en": label, "ru": f"Министерство {sid[5:]}"}),
                              url=f"https://{sid}.example.kz/", kind="ministry", config_json="{}",
                              crawl_status="ok" if rng.random() > 0.03 else "unreachable",
                              crawl_reason="" if rng.random() > 0.03 else "dns: no such host"))
        q = quality[sid]
        for c in judged:
            level = max(1, min(5, round(1 + 4 * q + rng.gauss(0, 0.8))))
            sugg.append(dict(round_id=rnd.id, site_id=sid, criterion=c, level=level if rng.random() > 0.1 else None,
                             reasons_json=json.dumps([f"{level}: synthetic reason for {c}"]), features_json="{}",
                             evidence_count=2))
            for e in range(2):
                ev.append(dict(round_id=rnd.id, site_id=sid, check_id=f"{c}-check", criterion=c,
                               url=f"https://{sid}.example.kz/{c}/{e}", label=f"{c} page {e + 1}",
                               snippet="<b>found</b>", location="/html/body", region_json=""))
            r = rng.random()
            if r < 0.55:  # one reviewer
                grades.append(dict(round_id=rnd.id, site_id=sid, criterion=c, reviewer="alice", level=float(level),
                                   cannot_assess=False, note=f"checked {c}" if rng.random() < 0.3 else "",
                                   evidence_urls="", source="historical" if kind == "historical" else "sheet", updated_at=stamp))
            elif r < 0.75:  # two reviewers, mostly agreeing
                other = level if rng.random() < 0.7 else max(1, min(5, level + rng.choice((-1, 1))))
                for who, lv in (("alice", level), ("bob", other)):
                    grades.append(dict(round_id=rnd.id, site_id=sid, criterion=c, reviewer=who, level=float(lv),
                                       cannot_assess=False, note="", evidence_urls="", source="sheet", updated_at=stamp))
                if other != level and rng.random() < 0.5:
                    adj.append(dict(round_id=rnd.id, site_id=sid, criterion=c, level=float(level),
                                    reason="lead decided after discussion", decided_by="lead", decided_at=stamp))
        if traffic and rng.random() > 0.15:
            traf.append(dict(round_id=rnd.id, site_id=sid, metric="monthly-visits",
                             value=float(int(10 ** (2 + 4 * q + rng.gauss(0, 0.3)))), source="synthetic", period="2026-08", note=""))
        if technical:
            for ind, val in (("https", rng.random() > 0.1), ("mobile-viewport", rng.random() > 0.3),
                             ("home-page-kb", round(200 + 3000 * rng.random())), ("response-ms", round(80 + 900 * rng.random()))):
                tech.append(dict(round_id=rnd.id, site_id=sid, indicator=ind, value_json=json.dumps(val), computed_at=stamp))
        if shots:
            shot_rows.append(dict(round_id=rnd.id, site_id=sid, url=f"https://{sid}.example.kz/", lang_version="",
                                  path=shots[k % len(shots)], width=1280, height=2400, taken_at=stamp))
    with db.engine.begin() as conn:
        for table, rows in ((schema.sites, site_rows), (schema.suggestions, sugg), (schema.evidence, ev),
                            (schema.grades, grades), (schema.adjudications, adj), (schema.technical, tech),
                            (schema.traffic, traf), (schema.screenshots, shot_rows)):
            if rows:
                conn.execute(insert(table), rows)
        if un:
            have = {r[0] for r in conn.execute(schema.un_indices.select().with_only_columns(schema.un_indices.c.year)
                                               .where(schema.un_indices.c.country == "KAZ"))}
            rows = [dict(country="KAZ", year=y, rank=rk, egdi=e, osi=o, hci=h, tii=t, epart=p, source="synthetic")
                    for y, rk, e, o, h, t, p in UN_ROWS if y not in have]
            if rows:
                conn.execute(insert(schema.un_indices), rows)
    return db.round(name)
