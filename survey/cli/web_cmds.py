"""`egov-survey serve`: the reviewer web app under uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rubric.yamlfile import InputError
from survey.cli.app import app
from survey.cli.common import DbOpt, Opts, RubricOpt, console


@app.command()
def serve(port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).")] = 8000,
          host: Annotated[str, typer.Option("--host", help="Address to listen on. Keep 127.0.0.1 unless a TLS proxy "
                                            "stands in front (then pass --secure-cookies).")] = "127.0.0.1",
          secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Mark cookies Secure (the app is "
                                                       "reached over HTTPS).")] = False,
          rubric: RubricOpt = None, db: DbOpt = "survey.db"):
    """Run the reviewer web app: grading, evidence and archived pages, the lead's assignments and adjudication."""
    import socket

    import uvicorn

    from survey.users import list_users
    from survey.web.app import create_app

    if not 0 <= port <= 65535:
        raise InputError([f"--port {port}: a port number from 0 to 65535"])
    opts = Opts(Path("sites.yaml"), rubric, db, None)
    database = opts.db()
    if not any(u.is_lead and u.active for u in list_users(database)):
        console.print("No lead account yet: create one with `egov-survey users add NAME --role lead`.")
    web = create_app(database, opts.rubric(), secure_cookies=secure_cookies)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise InputError([f"--host {host} --port {port}: cannot listen there ({exc.strerror})"]) from None
    bound = sock.getsockname()[1]
    console.print(f"Reviewer app for {database.target}: http://{host}:{bound}/  (Ctrl-C stops it)")
    server = uvicorn.Server(uvicorn.Config(web, log_level="warning", access_log=False))
    server.run(sockets=[sock])
