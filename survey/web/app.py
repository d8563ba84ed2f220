"""The reviewer web app: server-rendered pages (Starlette, Jinja2) for grading, evidence and adjudication.

Reviewers log in, see the sites assigned to them with their progress, and grade each site criterion by criterion
beside the rubric's level texts, the automated findings and suggested level, the evidence, the screenshot and
the archived pages (served inert by `survey.web.archive`); every save is kept with its history. The lead also
creates rounds, adds reviewers, assigns sites, switches blind mode, reads the agreement figures and decides the
cells where reviewers disagree. No JavaScript: plain links and form posts, usable from the keyboard. Every page
needs a session (a random token in an HttpOnly, SameSite=Lax cookie, checked against the database); every form
post must carry its session's CSRF token or gets 403, which `form_action` enforces for every POST route;
logins are rate limited; a reviewer reaches only their assigned sites and, in blind rounds, only their own
grades; templates autoescape everything (StrictUndefined, so a missing value fails loudly); app pages forbid
scripts and framing by CSP.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date as Date
from functools import wraps
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import and_, insert, select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rubric.model import Rubric
from rubric.yamlfile import InputError
from scoring.agreement import METRICS
from scoring.sheets import parse_evidence_urls
from survey import schema
from survey.agreement import stored_agreement, update_agreement
from survey.db import Database, Round
from survey.grading import (NOTE_MAX, adjudicate, adjudications, assign, assignment_pairs, disagreement_queue,
                            history, is_assigned, is_blind, progress, set_blind, set_grade, show_level, site_grades,
                            unassign)
from survey.users import (ROLES, Session, User, add_user, csrf_ok, end_session, list_users, load_session,
                          login_locked, new_session, record_login, set_active, verify_password)
from survey.web import archive

HERE = Path(__file__).parent
COOKIE = "egov_session"
APP_CSP = ("default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; "
           "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
MESSAGES = {"saved": "Saved.", "decided": "Decision saved.", "assigned": "Assignments saved.",
            "settings": "Settings saved.", "user-added": "Account created.", "user-changed": "Account changed.",
            "round-created": "Round created. Crawl it with `egov-survey crawl --round NAME`, then check it."}


def environment() -> Environment:
    """The one Jinja2 environment of the app: autoescaped, and strict about undefined values."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["level"] = lambda v, cannot=False: show_level(v, cannot)
    env.filters["figure"] = lambda v: "–" if v is None else f"{v:.2f}"
    env.filters["path"] = lambda v: quote(str(v), safe="")
    return env


def web_href(url: str | None) -> str | None:
    """The address if it is an http(s) web address that can be a link, else None (no javascript:, data:...)."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


class SecurityHeaders:
    """Adds the app's security headers to every response that has not set its own policy (archived pages do)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {b"x-content-type-options": b"nosniff", b"referrer-policy": b"no-referrer",
                         b"cross-origin-opener-policy": b"same-origin", b"cache-control": b"no-store"}
                if b"content-security-policy" not in names:
                    extra[b"content-security-policy"] = APP_CSP.encode()
                    extra[b"x-frame-options"] = b"DENY"
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass
class Ctx:
    """What a handler gets besides the request: the database, the rubric, the session and its user."""

    db: Database
    rubric: Rubric
    session: Session | None
    user: User | None


Handler = Callable[..., Response]


def _ctx(request: Request) -> Ctx:
    state = request.app.state
    session = load_session(state.db, request.cookies.get(COOKIE))
    return Ctx(state.db, state.rubric, session, session.user if session else None)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//evil.example", "/\evil.example" or "/\t/evil.example" (browsers drop the tab)
    # would leave it.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return "/"
    return target


class Refused(Exception):
    """A request this user may not make or that names nothing: the decorators answer it with an error page."""

    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status, self.text = status, text


def _answer(fn: Handler, request: Request, ctx: Ctx, *form) -> Response:
    """A handler's answer, worked out in a worker thread (the database and the templates block; the event loop
    goes on serving other reviewers meanwhile); a refusal becomes its error page."""
    try:
        return fn(request, ctx, *form)
    except Refused as refused:
        return error(request, ctx, refused.status, refused.text)


def page(role: str | None = None) -> Callable[[Handler], Handler]:
    """A GET page for logged-in users (of `role`, if given); others go to the login form."""

    def decorate(fn: Handler) -> Handler:
        @wraps(fn)
        async def endpoint(request: Request) -> Response:
            ctx = await run_in_threadpool(_ctx, request)
            if ctx.user is None:
                return RedirectResponse(f"/login?next={quote(_safe_next(request.url.path), safe='/')}", status_code=303)
            if role == "lead" and not ctx.user.is_lead:
                return error(request, ctx, 403, "Only the lead can open this page.")
            return await run_in_threadpool(_answer, fn, request, ctx)

        return endpoint

    return decorate


def form_action(role: str | None = None, anonymous: bool = False) -> Callable[[Handler], Handler]:
    """A form post: refused (403) without its session's CSRF token; then as `page`, with the form passed on."""

    def decorate(fn: Handler) -> Handler:
        @wraps(fn)
        async def endpoint(request: Request) -> Response:
            ctx = await run_in_threadpool(_ctx, request)
            try:
                form = await request.form(max_files=0, max_fields=5000)
            except Exception:  # noqa: BLE001 - a malformed body is a bad request, whatever the parser says
                return PlainTextResponse("Bad request: the form could not be read.", status_code=400)
            if not csrf_ok(ctx.session, form.get("csrf_token")):
                return PlainTextResponse("Forbidden: this form is stale or did not come from this app "
                                         "(CSRF check failed). Reload the page and try again.", status_code=403)
            if not anonymous:
                if ctx.user is None:
                    return RedirectResponse("/login", status_code=303)
                if role == "lead" and not ctx.user.is_lead:
                    return error(request, ctx, 403, "Only the lead can do this.")
            return await run_in_threadpool(_answer, fn, request, ctx, form)

        endpoint.csrf_protected = True  # type: ignore[attr-defined]
        return endpoint

    return decorate


def render(request: Request, ctx: Ctx, template: str, status: int = 200, **context: Any) -> Response:
    """A page from a template, with the user, the CSRF token and any message."""
    message = MESSAGES.get(request.query_params.get("msg", ""), "")
    base = {"user": ctx.user, "csrf_token": ctx.session.csrf_token if ctx.session else "", "message": message,
            "title": context.pop("title", "egov-survey")}
    return request.app.state.templates.TemplateResponse(request, template, {**base, **context}, status_code=status)


def error(request: Request, ctx: Ctx, status: int, text: str) -> Response:
    """An error page with a status."""
    return render(request, ctx, "error.html.j2", status=status, title="Not possible", error_text=text)


def _round(ctx: Ctx, rid: int) -> Round | None:
    return next((r for r in ctx.db.rounds() if r.id == rid), None)


def _round_of(request: Request, ctx: Ctx) -> Round:
    """The round a URL names (else Refused)."""
    rnd = _round(ctx, request.path_params["rid"])
    if rnd is None:
        raise Refused(404, "No such round.")
    return rnd


def _see_all(ctx: Ctx, rnd: Round) -> bool:
    """Whether this user may see every reviewer's grades in the round."""
    return bool(ctx.user and (ctx.user.is_lead or not is_blind(ctx.db, rnd)))


def _may_open(ctx: Ctx, rnd: Round, site_id: str) -> bool:
    return bool(ctx.user and (ctx.user.is_lead or is_assigned(ctx.db, rnd, site_id, ctx.user.name)))


def _redirect(path: str, msg: str = "", anchor: str = "") -> RedirectResponse:
    return RedirectResponse(path + (f"?msg={msg}" if msg else "") + (f"#{anchor}" if anchor else ""), status_code=303)


# -- login ------------------------------------------------------------------------------------------------
async def login_page(request: Request) -> Response:
    """The login form (starting a pre-login session for its CSRF token)."""
    ctx = await run_in_threadpool(_ctx, request)
    if ctx.user is not None:
        return RedirectResponse("/", status_code=303)
    return _login_form(request, ctx, 200, "")


def _login_form(request: Request, ctx: Ctx, status: int, problem: str, name: str = "") -> Response:
    fresh = None
    if ctx.session is None:
        fresh = new_session(ctx.db, None, request.client.host if request.client else "")
        ctx = Ctx(ctx.db, ctx.rubric, fresh, None)
    response = render(request, ctx, "login.html.j2", status=status, title="Log in", problem=problem, name=name,
                      next=_safe_next(request.query_params.get("next")))
    if fresh is not None:
        _set_cookie(request, response, fresh)
    return response


def _set_cookie(request: Request, response: Response, session: Session) -> None:
    response.set_cookie(COOKIE, session.token, httponly=True, samesite="lax", path="/",
                        secure=request.app.state.secure_cookies)


@form_action(anonymous=True)
def login_submit(request: Request, ctx: Ctx, form) -> Response:
    """Check the password (rate limited) and start a session."""
    name = str(form.get("name", "")).strip()[:100]
    password = str(form.get("password", ""))
    client = request.client.host if request.client else ""
    wait = login_locked(ctx.db, name, client)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        return _login_form(request, ctx, 429, f"Too many failed attempts. Try again in {minutes} minute(s).", name)
    user = verify_password(ctx.db, name, password)
    record_login(ctx.db, name, client, user is not None)
    if user is None:
        return _login_form(request, ctx, 401, "Wrong name or password.", name)
    # A new session at login, so a session token planted before login is worth nothing after it.
    end_session(ctx.db, request.cookies.get(COOKIE))
    session = new_session(ctx.db, user, client)
    response = RedirectResponse(_safe_next(str(form.get("next", "/"))), status_code=303)
    _set_cookie(request, response, session)
    return response


@form_action()
def logout(request: Request, ctx: Ctx, form) -> Response:
    """End the session."""
    end_session(ctx.db, request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


# -- reviewer pages ---------------------------------------------------------------------------------------
@page()
def home(request: Request, ctx: Ctx) -> Response:
    """The rounds with my sites and progress."""
    rows = []
    total = len(ctx.rubric.judged)
    for rnd in reversed(ctx.db.rounds()):
        done = progress(ctx.db, rnd, ctx.rubric)
        mine = {s: n for (s, r), n in done.items() if r == ctx.user.name}
        if not ctx.user.is_lead and not mine:
            continue
        rows.append({"round": rnd, "sites": len(mine), "graded": sum(mine.values()), "cells": len(mine) * total,
                     "all_sites": len(ctx.db.site_ids(rnd)), "assignments": len(done)})
    return render(request, ctx, "home.html.j2", title="Rounds", rounds=rows)


@page()
def round_page(request: Request, ctx: Ctx) -> Response:
    """A round's sites: mine, or all with each reviewer's progress for the lead."""
    rnd = _round_of(request, ctx)
    total = len(ctx.rubric.judged)
    done = progress(ctx.db, rnd, ctx.rubric)
    sites = []
    for s in ctx.db.sites(rnd):
        sid = s["site_id"]
        reviewers = sorted((r, n) for (site, r), n in done.items() if site == sid)
        mine = next((n for r, n in reviewers if r == ctx.user.name), None)
        if not ctx.user.is_lead and mine is None:
            continue
        sites.append({"id": sid, "name": s["name"].get("en") or sid, "url": s["current_url"] or s["url"],
                      "crawl_status": s["crawl_status"], "mine": mine, "reviewers": reviewers})
    queue = len([q for q in disagreement_queue(ctx.db, rnd, ctx.rubric) if q.adjudication is None]) if ctx.user.is_lead else 0
    return render(request, ctx, "round.html.j2", title=f"Round {rnd.name}", round=rnd, sites=sites, total=total,
                  blind=is_blind(ctx.db, rnd), open_queue=queue)


def _site_context(ctx: Ctx, rnd: Round, site: dict, shown: int | None, errors: dict[str, str],
                  submitted: dict[str, dict[str, str]]) -> dict[str, Any]:
    sid = site["site_id"]
    see_all = _see_all(ctx, rnd)
    grades = site_grades(ctx.db, rnd, sid, None if see_all else ctx.user.name)
    decided = adjudications(ctx.db, rnd) if ctx.user.is_lead else {}
    captures = archive.site_captures(ctx.db, rnd, sid)
    by_url: dict[str, int] = {}
    for c in captures:
        if c["stored"]:
            by_url.setdefault(c["url"], c["id"])
            by_url.setdefault(c["final_url"], c["id"])
    with ctx.db.engine.connect() as conn:
        w = lambda t: and_(t.c.round_id == rnd.id, t.c.site_id == sid)  # noqa: E731
        sugg = {r.criterion: r for r in conn.execute(select(schema.suggestions).where(w(schema.suggestions)))}
        checks = conn.execute(select(schema.check_results).where(w(schema.check_results))
                              .order_by(schema.check_results.c.check_id)).mappings().all()
        evidence = conn.execute(select(schema.evidence).where(w(schema.evidence))
                                .order_by(schema.evidence.c.id)).mappings().all()
    criteria = []
    for c in ctx.rubric.judged:
        mine = grades.get(c.id, {}).get(ctx.user.name)
        sent = submitted.get(c.id)
        if sent is not None:
            form = sent
        elif mine is not None:
            form = {"grade": "cannot-assess" if mine["cannot_assess"] else
                    (show_level(mine["level"]) if mine["level"] is not None else ""),
                    "note": mine["note"], "evidence_urls": mine["evidence_urls"]}
        else:
            form = {"grade": "", "note": "", "evidence_urls": ""}
        s = sugg.get(c.id)
        others = [{"reviewer": r, "level": show_level(g["level"], g["cannot_assess"]), "note": g["note"],
                   "evidence": [{"url": u, "href": web_href(u)} for u in g["evidence_urls"].splitlines() if u]}
                  for r, g in grades.get(c.id, {}).items() if r != ctx.user.name]
        adj = decided.get((sid, c.id))
        criteria.append({
            "id": c.id, "title": c.title, "examines": c.examines,
            "levels": sorted(c.levels.items()),
            "suggested": s.level if s is not None else None,
            "reasons": json.loads(s.reasons_json) if s is not None else [],
            "checks": [{"id": k["check_id"], "status": k["status"], "level": k["level"], "explanation": k["explanation"],
                        "error": k["error"]} for k in checks if k["criterion"] == c.id],
            "evidence": [{"label": e["label"], "url": e["url"], "href": web_href(e["url"]),
                          "snippet": (e["snippet"] or "")[:400], "capture": by_url.get(e["url"])}
                         for e in evidence if e["criterion"] == c.id][:12],
            "form": form, "error": errors.get(c.id, ""), "graded": mine is not None and
            (mine["level"] is not None or bool(mine["cannot_assess"])),
            "others": others, "adjudication": adj,
        })
    if shown is None or not any(c["id"] == shown for c in captures):
        # By default the home page: an HTML page answered 200 at the site's address, else the shallowest one.
        home = {site["url"], site["current_url"]}
        html = [c for c in captures if c["html"] and c["stored"]]
        best = min(html, key=lambda c: (c["status"] != 200, c["url"] not in home and c["final_url"] not in home,
                                        c["depth"], c["id"]), default=None)
        shown = best["id"] if best else None
    return {"site": {"id": sid, "name": site["name"].get("en") or sid, "names": site["name"],
                     "url": site["current_url"] or site["url"], "href": web_href(site["current_url"] or site["url"]),
                     "crawl_status": site["crawl_status"], "crawl_reason": site["crawl_reason"]},
            "criteria": criteria, "captures": captures, "shown": shown,
            "screenshots": archive.screenshots(ctx.db, rnd, sid), "see_all": see_all,
            "editable": rnd.kind != "historical" and is_assigned(ctx.db, rnd, sid, ctx.user.name),
            "graded": sum(1 for c in criteria if c["graded"]), "total": len(criteria)}


def _site_of(request: Request, ctx: Ctx) -> tuple[Round, dict]:
    """The round and site a URL names, if this user may open them (else Refused)."""
    rnd = _round_of(request, ctx)
    sid = request.path_params["site_id"]
    site = next((s for s in ctx.db.sites(rnd) if s["site_id"] == sid), None)
    if site is None:
        raise Refused(404, "No such site in this round.")
    if not _may_open(ctx, rnd, sid):
        raise Refused(403, "This site is not assigned to you.")
    return rnd, site


@page()
def site_page(request: Request, ctx: Ctx) -> Response:
    """The grading page of one site."""
    rnd, site = _site_of(request, ctx)
    try:
        shown = int(request.query_params.get("capture", ""))
    except ValueError:
        shown = None
    data = _site_context(ctx, rnd, site, shown, {}, {})
    return render(request, ctx, "site.html.j2", title=f"{data['site']['name']} · {rnd.name}", round=rnd,
                  saved=request.query_params.get("saved", ""), **data)


def _parse_grade_form(form, rubric: Rubric) -> tuple[str, dict[str, Any], str]:
    """(criterion, values for set_grade, error) from a posted grade form."""
    criterion = str(form.get("criterion", ""))
    grade = str(form.get("grade", "")).strip()
    note = str(form.get("note", "")).replace("\r\n", "\n").strip()
    urls, url_err = parse_evidence_urls(str(form.get("evidence_urls", "")))
    values: dict[str, Any] = {"level": None, "cannot_assess": False, "note": note, "evidence_urls": urls}
    if grade == "cannot-assess":
        values["cannot_assess"] = True
    elif grade:
        if grade not in {str(n) for n in range(rubric.scale.min, rubric.scale.max + 1)}:
            return criterion, values, f"Choose a level from {rubric.scale.min} to {rubric.scale.max}, or cannot assess."
        values["level"] = float(grade)
    if len(note) > NOTE_MAX:
        return criterion, values, f"The note is longer than {NOTE_MAX} characters."
    if url_err:
        return criterion, values, f"Evidence URLs: {url_err}."
    return criterion, values, ""


@form_action()
def save_grade(request: Request, ctx: Ctx, form) -> Response:
    """Save one criterion's grade, note and evidence URLs."""
    rnd, site = _site_of(request, ctx)
    sid = site["site_id"]
    if rnd.kind == "historical" or not is_assigned(ctx.db, rnd, sid, ctx.user.name):
        return error(request, ctx, 403, "You grade only the sites assigned to you, in audit rounds.")
    criterion, values, problem = _parse_grade_form(form, ctx.rubric)
    if criterion not in {c.id for c in ctx.rubric.judged}:
        return error(request, ctx, 400, "Unknown criterion.")
    if problem:
        sent = {"grade": str(form.get("grade", "")), "note": str(form.get("note", "")),
                "evidence_urls": str(form.get("evidence_urls", ""))}
        data = _site_context(ctx, rnd, site, None, {criterion: problem}, {criterion: sent})
        return render(request, ctx, "site.html.j2", status=400, title=f"{data['site']['name']} · {rnd.name}",
                      round=rnd, saved="", **data)

    def write() -> None:
        with ctx.db.engine.begin() as conn:
            set_grade(conn, rnd, sid, criterion, ctx.user.name, values["level"], cannot_assess=values["cannot_assess"],
                      note=values["note"], evidence_urls=values["evidence_urls"], source="web", changed_by=ctx.user.name)
        update_agreement(ctx.db, rnd, ctx.rubric)

    write()
    return RedirectResponse(f"/rounds/{rnd.id}/sites/{quote(sid, safe='')}?saved={quote(criterion, safe='')}#c-{criterion}",
                            status_code=303)


@page()
def site_history(request: Request, ctx: Ctx) -> Response:
    """The grade history of one site."""
    rnd, site = _site_of(request, ctx)
    rows = history(ctx.db, rnd, site["site_id"], None if _see_all(ctx, rnd) else ctx.user.name)
    if not ctx.user.is_lead:
        rows = [h for h in rows if h["source"] != "adjudication"]
    return render(request, ctx, "history.html.j2", title=f"History · {site['site_id']}", round=rnd,
                  site={"id": site["site_id"], "name": site["name"].get("en") or site["site_id"]}, rows=rows)


# -- archived pages and screenshots -----------------------------------------------------------------------
def _capture_of(request: Request, ctx: Ctx) -> tuple[Round, dict]:
    """The round and capture a URL names, if this user may open them (else Refused)."""
    rnd = _round(ctx, request.path_params["rid"])
    cap = archive.capture(ctx.db, rnd, request.path_params["cid"]) if rnd is not None else None
    if cap is None:
        raise Refused(404, "No such capture.")
    if not _may_open(ctx, rnd, cap["site_id"]):
        raise Refused(403, "This site is not assigned to you.")
    return rnd, cap


def _stored_of(request: Request, ctx: Ctx):
    """The round, the capture a URL names (as `_capture_of`) and its stored copy (else Refused, 404)."""
    rnd, cap = _capture_of(request, ctx)
    stored = archive.load_stored(ctx.db, rnd, cap)
    if stored is None:
        raise Refused(404, "The stored copy of this page cannot be read.")
    return rnd, cap, stored


@page()
def archived(request: Request, ctx: Ctx) -> Response:
    """An archived page as stored, sandboxed."""
    _, _, stored = _stored_of(request, ctx)
    headers = {"content-security-policy": archive.ARCHIVE_CSP, "x-frame-options": "SAMEORIGIN",
               "cross-origin-resource-policy": "same-origin"}
    if stored.download:
        headers["content-disposition"] = f'attachment; filename="{stored.filename}"'
    return Response(stored.body, media_type=stored.media_type, headers=headers)


@page()
def archived_source(request: Request, ctx: Ctx) -> Response:
    """An archived page's source as text."""
    rnd, cap, stored = _stored_of(request, ctx)
    text, cut = archive.source_text(stored)
    return render(request, ctx, "source.html.j2", title=f"Source · capture {cap['id']}", round=rnd, capture=cap,
                  text=text, cut=cut)


@page()
def screenshot(request: Request, ctx: Ctx) -> Response:
    """A screenshot file of the round."""
    rnd = _round(ctx, request.path_params["rid"])
    found = archive.screenshot_file(ctx.db, rnd, request.path_params["sid"]) if rnd is not None else None
    if found is None:
        return error(request, ctx, 404, "No such screenshot.")
    row, path, media = found
    if not _may_open(ctx, rnd, row["site_id"]):
        return error(request, ctx, 403, "This site is not assigned to you.")
    return FileResponse(path, media_type=media)


# -- the lead's pages -------------------------------------------------------------------------------------
@page("lead")
def queue_page(request: Request, ctx: Ctx) -> Response:
    """The disagreement queue."""
    rnd = _round_of(request, ctx)
    titles = {c.id: c.title for c in ctx.rubric.judged}
    items = [{"site": q.site_id, "criterion": q.criterion, "title": titles[q.criterion], "suggested": q.suggested,
              "grades": [{"reviewer": g["reviewer"], "level": show_level(g["level"], g["cannot_assess"]),
                          "note": g["note"]} for g in q.grades],
              "adjudication": q.adjudication} for q in disagreement_queue(ctx.db, rnd, ctx.rubric)]
    return render(request, ctx, "queue.html.j2", title=f"Disagreements · {rnd.name}", round=rnd, items=items,
                  levels=list(range(ctx.rubric.scale.min, ctx.rubric.scale.max + 1)))


@form_action("lead")
def adjudicate_action(request: Request, ctx: Ctx, form) -> Response:
    """The lead's decision on a cell."""
    rnd = _round_of(request, ctx)
    site_id, criterion = str(form.get("site_id", "")), str(form.get("criterion", ""))
    try:
        level = int(str(form.get("level", "")))
    except ValueError:
        level = None
    try:
        adjudicate(ctx.db, rnd, site_id, criterion, level, str(form.get("reason", "")),
                                ctx.user.name, ctx.rubric)
    except InputError as exc:
        return error(request, ctx, 400, "; ".join(exc.lines()))
    return _redirect(f"/rounds/{rnd.id}/queue", "decided", f"q-{site_id}-{criterion}")


@page("lead")
def assignments_page(request: Request, ctx: Ctx) -> Response:
    """The site x reviewer assignment grid."""
    rnd = _round_of(request, ctx)
    people = [u for u in list_users(ctx.db) if u.active]
    pairs = assignment_pairs(ctx.db, rnd)
    sites = [{"id": s["site_id"], "name": s["name"].get("en") or s["site_id"],
              "cells": [{"reviewer": u.name, "checked": (s["site_id"], u.name) in pairs} for u in people]}
             for s in ctx.db.sites(rnd)]
    return render(request, ctx, "assignments.html.j2", title=f"Assignments · {rnd.name}", round=rnd, people=people,
                  sites=sites)


@form_action("lead")
def assignments_save(request: Request, ctx: Ctx, form) -> Response:
    """Save the assignment grid."""
    rnd = _round_of(request, ctx)
    if rnd.kind == "historical":
        return error(request, ctx, 400, "A historical round has no assignments.")
    people = {u.name for u in list_users(ctx.db) if u.active}
    sites = set(ctx.db.site_ids(rnd))
    wanted = set()
    for value in form.getlist("assign"):
        sid, _, reviewer = str(value).rpartition("::")
        if sid in sites and reviewer in people:
            wanted.add((sid, reviewer))
    have = {p for p in assignment_pairs(ctx.db, rnd) if p[1] in people}
    assign(ctx.db, rnd, sorted(wanted - have))
    for sid, reviewer in sorted(have - wanted):
        unassign(ctx.db, rnd, sid, reviewer)
    return _redirect(f"/rounds/{rnd.id}/assignments", "assigned")


@form_action("lead")
def settings_save(request: Request, ctx: Ctx, form) -> Response:
    """Save the round's blind-mode setting."""
    rnd = _round_of(request, ctx)
    set_blind(ctx.db, rnd, form.get("blind") == "on", ctx.user.name)
    return _redirect(f"/rounds/{rnd.id}", "settings")


@page("lead")
def agreement_page(request: Request, ctx: Ctx) -> Response:
    """The round's agreement figures."""
    rnd = _round_of(request, ctx)
    table = stored_agreement(ctx.db, rnd)
    rows = [{"criterion": c, "title": t, "values": table.get(c, {})}
            for c, t in [(c.id, c.title) for c in ctx.rubric.judged] + [("*", "All criteria")]]
    return render(request, ctx, "agreement.html.j2", title=f"Agreement · {rnd.name}", round=rnd, rows=rows,
                  metrics=[m for m in METRICS if m != "n"])


@page("lead")
def users_page(request: Request, ctx: Ctx) -> Response:
    """The accounts."""
    return render(request, ctx, "users.html.j2", title="Accounts", people=list_users(ctx.db), roles=ROLES,
                  problem="")


@form_action("lead")
def users_add(request: Request, ctx: Ctx, form) -> Response:
    """Add an account."""
    try:
        add_user(ctx.db, str(form.get("name", "")).strip(), str(form.get("role", "")),
                                str(form.get("password", "")), str(form.get("display_name", "")).strip()[:200])
    except InputError as exc:
        return render(request, ctx, "users.html.j2", status=400, title="Accounts", people=list_users(ctx.db),
                      roles=ROLES, problem="; ".join(exc.lines()))
    return _redirect("/users", "user-added")


@form_action("lead")
def users_active(request: Request, ctx: Ctx, form) -> Response:
    """Activate or deactivate an account."""
    name = request.path_params["name"]
    if name == ctx.user.name:
        return error(request, ctx, 400, "You cannot deactivate your own account.")
    try:
        set_active(ctx.db, name, form.get("active") == "on")
    except InputError as exc:
        return error(request, ctx, 400, "; ".join(exc.lines()))
    return _redirect("/users", "user-changed")


@page("lead")
def new_round_page(request: Request, ctx: Ctx) -> Response:
    """The new-round form."""
    audits = [r for r in reversed(ctx.db.rounds()) if r.kind != "historical"]
    return render(request, ctx, "round_new.html.j2", title="New round", sources=audits, problem="",
                  today=Date.today().isoformat())


@form_action("lead")
def create_round(request: Request, ctx: Ctx, form) -> Response:
    """Create a round with an earlier round's sites."""
    name = str(form.get("name", "")).strip()
    when = str(form.get("audit_date", "")).strip()
    try:
        source = next((r for r in ctx.db.rounds() if str(r.id) == str(form.get("copy_from", ""))), None)
        if not re.match(r"^[\w.-]{1,60}$", name):
            raise InputError(["name: 1-60 letters, digits, '.', '_' or '-'"])
        Date.fromisoformat(when)
        rnd = _new_round(ctx.db, ctx.rubric, name, when, source)
    except ValueError:
        problem = "audit date: use YYYY-MM-DD"
    except InputError as exc:
        problem = "; ".join(exc.lines())
    else:
        return _redirect(f"/rounds/{rnd.id}", "round-created")
    audits = [r for r in reversed(ctx.db.rounds()) if r.kind != "historical"]
    return render(request, ctx, "round_new.html.j2", status=400, title="New round", sources=audits, problem=problem,
                  today=when)


def _new_round(db: Database, rubric: Rubric, name: str, when: str, source: Round | None) -> Round:
    """A new audit round with the site list of an earlier one (its evidence comes from the next crawl)."""
    rnd = db.create_round(name, rubric=rubric, audit_date=when,
                          notes=f"created in the reviewer app from round {source.name}" if source else "")
    if source is not None:
        keep = ("site_id", "name_json", "url", "current_url", "kind", "config_json")
        with db.engine.begin() as conn:
            for s in conn.execute(select(schema.sites).where(schema.sites.c.round_id == source.id)).mappings().all():
                conn.execute(insert(schema.sites).values(round_id=rnd.id, **{k: s[k] for k in keep}))
    return db.round(name)


async def not_found(request: Request, exc: Exception) -> Response:
    """A plain 404."""
    return PlainTextResponse("Not found.", status_code=404)


# -- the application --------------------------------------------------------------------------------------
def routes() -> list:
    """Every route of the app."""
    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", home, methods=["GET"]),
        Route("/users", users_page, methods=["GET"]),
        Route("/users", users_add, methods=["POST"]),
        Route("/users/{name}/active", users_active, methods=["POST"]),
        Route("/rounds/new", new_round_page, methods=["GET"]),
        Route("/rounds", create_round, methods=["POST"]),
        Route("/rounds/{rid:int}", round_page, methods=["GET"]),
        Route("/rounds/{rid:int}/settings", settings_save, methods=["POST"]),
        Route("/rounds/{rid:int}/sites/{site_id}", site_page, methods=["GET"]),
        Route("/rounds/{rid:int}/sites/{site_id}/grade", save_grade, methods=["POST"]),
        Route("/rounds/{rid:int}/sites/{site_id}/history", site_history, methods=["GET"]),
        Route("/rounds/{rid:int}/captures/{cid:int}", archived, methods=["GET"]),
        Route("/rounds/{rid:int}/captures/{cid:int}/source", archived_source, methods=["GET"]),
        Route("/rounds/{rid:int}/screenshots/{sid:int}", screenshot, methods=["GET"]),
        Route("/rounds/{rid:int}/queue", queue_page, methods=["GET"]),
        Route("/rounds/{rid:int}/adjudicate", adjudicate_action, methods=["POST"]),
        Route("/rounds/{rid:int}/assignments", assignments_page, methods=["GET"]),
        Route("/rounds/{rid:int}/assignments", assignments_save, methods=["POST"]),
        Route("/rounds/{rid:int}/agreement", agreement_page, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def create_app(db: Database, rubric: Rubric, *, secure_cookies: bool = False) -> ASGIApp:
    """The reviewer app on a round database, wrapped in its security headers."""
    app = Starlette(routes=routes(), exception_handlers={404: not_found})
    app.state.db = db
    app.state.rubric = rubric
    app.state.secure_cookies = secure_cookies
    app.state.templates = Jinja2Templates(env=environment())
    return SecurityHeaders(app)
