"""A small local web site for tests: a route table served on 127.0.0.1 on a free port.

A route maps a path (with query, if it matters) to a `Response`, a string (HTML, 200), or a callable taking
the request handler and returning a Response. Every request is logged with its time, so tests can check
politeness (delays, robots) from the server's side.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Union


@dataclass
class Response:
    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before answering

    def encoded(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


Route = Union[Response, str, Callable[[BaseHTTPRequestHandler], Response]]


class LocalSite:
    def __init__(self, routes: dict[str, Route], *, not_found: Route | None = None):
        self.routes = routes
        self.not_found = not_found or Response("<h1>Not found</h1>", status=404)
        self.log: list[tuple[float, str, str]] = []  # (monotonic time, method, path)
        self._server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def paths(self) -> list[str]:
        return [p for _, _, p in self.log]

    def start(self) -> "LocalSite":
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.log.append((time.monotonic(), "GET", self.path))
                route = site.routes.get(self.path, site.routes.get(self.path.split("?")[0], site.not_found))
                resp = route(self) if callable(route) else route
                if isinstance(resp, str):
                    resp = Response(resp)
                if resp.delay:
                    time.sleep(resp.delay)
                body = resp.encoded()
                self.send_response(resp.status)
                self.send_header("Content-Type", resp.content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in resp.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
