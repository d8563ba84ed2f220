"""Account commands: `users add|list|passwd|deactivate|activate` for the reviewer web app.

Passwords are read from a hidden prompt (typed twice) or, when standard input is not a terminal, from its
first line, so scripts can create accounts without the password appearing in the process list.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from rubric.yamlfile import InputError
from survey.cli.app import app
from survey.cli.common import DbOpt, Opts, out

users_app = typer.Typer(no_args_is_help=True, help="Accounts of the reviewer web app: leads and reviewers.")
app.add_typer(users_app, name="users")


def _password(name: str) -> str:
    if sys.stdin.isatty():
        return typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line:
        raise InputError(["password: standard input is empty; type it at the prompt or pipe it in"])
    return line.rstrip("\r\n")


def _db(db: str, create: bool = False):
    return Opts(Path("sites.yaml"), None, db, None).db(create=create)


@users_app.command("add")
def users_add(name: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits, . _ -")],
              role: Annotated[str, typer.Option("--role", help="lead | reviewer")] = "reviewer",
              display_name: Annotated[str, typer.Option("--display-name", help="Name shown in the app.")] = "",
              db: DbOpt = "survey.db"):
    """Create an account; the password comes from a prompt or standard input."""
    from survey.users import ROLES, add_user, check_name

    check_name(name)
    if role not in ROLES:
        raise InputError([f"--role {role}: use one of {', '.join(ROLES)}"])
    user = add_user(_db(db, create=True), name, role, _password(name), display_name)
    out.print(f"Added {user.role} {user.name}.")


@users_app.command("list")
def users_list(db: DbOpt = "survey.db"):
    """List accounts with their roles."""
    from survey.users import list_users

    for u in list_users(_db(db)):
        typer.echo(f"{u.name}\t{u.role}\t{'active' if u.active else 'inactive'}\t{u.display_name}")


@users_app.command("passwd")
def users_passwd(name: Annotated[str, typer.Argument(help="The account.")], db: DbOpt = "survey.db"):
    """Set a new password (from a prompt or standard input); ends the account's open sessions."""
    from survey.users import get_user, set_password

    database = _db(db)
    if get_user(database, name) is None:
        raise InputError([f"no user named {name!r}; see `egov-survey users list`"])
    set_password(database, name, _password(name))
    out.print(f"Password of {name} changed.")


@users_app.command("deactivate")
def users_deactivate(name: Annotated[str, typer.Argument(help="The account.")], db: DbOpt = "survey.db"):
    """Stop an account from logging in (kept, since grades name it); ends its sessions."""
    from survey.users import set_active

    set_active(_db(db), name, False)
    out.print(f"{name} deactivated.")


@users_app.command("activate")
def users_activate(name: Annotated[str, typer.Argument(help="The account.")], db: DbOpt = "survey.db"):
    """Let a deactivated account log in again."""
    from survey.users import set_active

    set_active(_db(db), name, True)
    out.print(f"{name} activated.")
