"""Reviewer accounts: users and roles, password hashing, web sessions with their CSRF tokens, login rate limits.

Two roles: a *lead* creates rounds, adds reviewers, assigns sites, adjudicates and sees everything; a *reviewer*
grades the sites assigned to them. Passwords are hashed with Argon2id (argon2-cffi's defaults: memory-hard, 64
MiB), never stored or logged in clear. A web session is a random token in an HttpOnly cookie; the database
keeps only its SHA-256, so a copy of the database opens no session, and logging out or deactivating a user ends
the session on the server. Each session carries its own CSRF token (the synchronizer-token pattern). Failed
logins are counted per user name and per client address; too many in a window lock that name or address for
the rest of the window. Users are never deleted, only deactivated, because grades and history name them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, func, insert, select, update

from rubric.yamlfile import InputError
from survey import schema
from survey.db import Database, now

ROLES = ("lead", "reviewer")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
MIN_PASSWORD = 10
SESSION_HOURS = 12  # a working day; then log in again
ANONYMOUS_MINUTES = 60  # a login form's session (it only carries the CSRF token)
# Rate limits: failures within the window lock the name (or the client address) until the window has passed.
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_CLIENT = 20

_hasher = PasswordHasher()
# Verified against for unknown names, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    """An account, without its password hash."""

    name: str
    display_name: str
    role: str
    active: bool
    created_at: str

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    @property
    def label(self) -> str:
        return self.display_name or self.name


@dataclass(frozen=True)
class Session:
    """A live web session and its user (None before login)."""

    token: str  # only known when the session was just created (for the cookie)
    user: User | None
    csrf_token: str
    expires_at: str


def _user(row) -> User:
    return User(row["name"], row["display_name"], row["role"], bool(row["active"]), row["created_at"])


def check_name(name: str) -> str:
    """A user name: lower-case letters, digits, '.', '_' or '-'; InputError otherwise."""
    if not NAME.match(name or ""):
        raise InputError([f"user name {name!r}: use 1-63 lower-case letters, digits, '.', '_' or '-', "
                          "starting with a letter or digit"])
    return name


def check_password(password: str) -> str:
    """The password if it is long enough; InputError otherwise."""
    if len(password or "") < MIN_PASSWORD:
        raise InputError([f"password: at least {MIN_PASSWORD} characters, please"])
    return password


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher.hash(check_password(password))


def get_user(db: Database, name: str) -> User | None:
    """The account of that name, or None."""
    with db.engine.connect() as conn:
        row = conn.execute(select(schema.users).where(schema.users.c.name == name)).mappings().first()
    return _user(row) if row is not None else None


def list_users(db: Database) -> list[User]:
    """Every account, leads first."""
    with db.engine.connect() as conn:
        rows = conn.execute(select(schema.users).order_by(schema.users.c.role, schema.users.c.name)).mappings().all()
    return [_user(r) for r in rows]


def add_user(db: Database, name: str, role: str, password: str, display_name: str = "") -> User:
    """Create an account; InputError if the name is taken or malformed, the role unknown or the password short."""
    check_name(name)
    if role not in ROLES:
        raise InputError([f"role {role!r}: use one of {', '.join(ROLES)}"])
    digest = hash_password(password)
    if get_user(db, name) is not None:
        raise InputError([f"user {name!r} already exists; use `egov-survey users passwd {name}` to change the password"])
    with db.engine.begin() as conn:
        conn.execute(insert(schema.users).values(name=name, display_name=display_name, role=role, password_hash=digest,
                                                 active=True, created_at=now()))
    return get_user(db, name)


def set_password(db: Database, name: str, password: str) -> None:
    """Replace a user's password and end their sessions."""
    digest = hash_password(password)
    _require(db, name)
    with db.engine.begin() as conn:
        conn.execute(update(schema.users).where(schema.users.c.name == name).values(password_hash=digest))
    end_sessions(db, name)


def set_active(db: Database, name: str, active: bool) -> None:
    """Activate or deactivate an account (never deleted: grades name it); deactivating ends its sessions."""
    _require(db, name)
    with db.engine.begin() as conn:
        conn.execute(update(schema.users).where(schema.users.c.name == name).values(active=active))
    if not active:
        end_sessions(db, name)


def _require(db: Database, name: str) -> User:
    user = get_user(db, name)
    if user is None:
        known = ", ".join(u.name for u in list_users(db)) or "none yet"
        raise InputError([f"no user named {name!r}; known users: {known}"])
    return user


def verify_password(db: Database, name: str, password: str) -> User | None:
    """The active user if the password is right, else None (same work for unknown names and wrong passwords)."""
    with db.engine.connect() as conn:
        row = conn.execute(select(schema.users).where(schema.users.c.name == name)).mappings().first()
    digest = row["password_hash"] if row is not None and row["password_hash"] else _DUMMY_HASH
    try:
        _hasher.verify(digest, password)
        ok = row is not None and bool(row["password_hash"])
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or not row["active"]:
        return None
    if _hasher.check_needs_rehash(digest):
        with db.engine.begin() as conn:
            conn.execute(update(schema.users).where(schema.users.c.name == name)
                         .values(password_hash=_hasher.hash(password)))
    return _user(row)


# -- login rate limiting ----------------------------------------------------------------------------------
def _stamp(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def login_locked(db: Database, name: str, client: str, at: datetime | None = None) -> int:
    """Seconds until this name and client may try again (0: now)."""
    at = at or datetime.now(timezone.utc)
    since = _stamp(at - LOGIN_WINDOW)
    a = schema.login_attempts.c
    waits = []
    with db.engine.connect() as conn:
        for column, value, limit in ((a.user_name, name, MAX_FAILURES_PER_NAME), (a.client, client, MAX_FAILURES_PER_CLIENT)):
            # A successful login starts the count again. Attempts are ordered by their row id: timestamps have
            # one-second resolution, and a failure in the same second as a success must still count after it.
            last_ok = conn.execute(select(func.max(a.id)).where(and_(column == value, a.success.is_(True)))).scalar()
            failures = conn.execute(select(a.at).where(and_(column == value, a.success.is_(False), a.at >= since,
                                                            a.id > (last_ok or 0)))
                                    .order_by(a.id)).scalars().all()
            if len(failures) >= limit:
                oldest = datetime.fromisoformat(failures[-limit])
                waits.append(int((oldest + LOGIN_WINDOW - at).total_seconds()) + 1)
    return max([0] + waits)


def record_login(db: Database, name: str, client: str, success: bool) -> None:
    """Note a login attempt for the rate limit."""
    with db.engine.begin() as conn:
        conn.execute(insert(schema.login_attempts).values(user_name=name[:100], client=client[:100], at=now(),
                                                          success=success))


# -- sessions ---------------------------------------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session(db: Database, user: User | None, client: str = "") -> Session:
    """A fresh session (anonymous for a login form, else the user's) with its own CSRF token."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    start = datetime.now(timezone.utc)
    expires = start + (timedelta(hours=SESSION_HOURS) if user else timedelta(minutes=ANONYMOUS_MINUTES))
    with db.engine.begin() as conn:
        conn.execute(insert(schema.web_sessions).values(
            token_hash=_digest(token), user_name=user.name if user else None, csrf_token=csrf, client=client[:100],
            created_at=_stamp(start), expires_at=_stamp(expires)))
    return Session(token, user, csrf, _stamp(expires))


def load_session(db: Database, token: str | None) -> Session | None:
    """The live session for a cookie's token: not ended, not expired, and its user still active."""
    if not token or len(token) > 200:
        return None
    s = schema.web_sessions.c
    with db.engine.connect() as conn:
        row = conn.execute(select(schema.web_sessions).where(s.token_hash == _digest(token))).mappings().first()
        if row is None or row["ended_at"] is not None or row["expires_at"] <= now():
            return None
        user = None
        if row["user_name"] is not None:
            urow = conn.execute(select(schema.users).where(schema.users.c.name == row["user_name"])).mappings().first()
            if urow is None or not urow["active"]:
                return None
            user = _user(urow)
    return Session("", user, row["csrf_token"], row["expires_at"])


def end_session(db: Database, token: str | None) -> None:
    """End the session of a cookie's token (logout)."""
    if not token:
        return
    s = schema.web_sessions.c
    with db.engine.begin() as conn:
        conn.execute(update(schema.web_sessions).where(and_(s.token_hash == _digest(token), s.ended_at.is_(None)))
                     .values(ended_at=now()))


def end_sessions(db: Database, name: str) -> None:
    """End every open session of a user (new password, deactivated account)."""
    s = schema.web_sessions.c
    with db.engine.begin() as conn:
        conn.execute(update(schema.web_sessions).where(and_(s.user_name == name, s.ended_at.is_(None)))
                     .values(ended_at=now()))


def csrf_ok(session: Session | None, submitted: str | None) -> bool:
    """Whether a submitted form carries its session's CSRF token (compared in constant time)."""
    if session is None or not submitted:
        return False
    return secrets.compare_digest(session.csrf_token.encode(), str(submitted).encode())
