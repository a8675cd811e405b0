"""A real HTTP server on loopback that answers GETs with canned responses (a service's health
and readiness endpoints, a Prometheus exposition), or holds a request until released."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    status: int = 200
    body: str | Callable[[], str] = ""  # a callable: a fresh body per request
    content_type: str = "text/plain"
    hang: bool = False  # hold the request until the server stops


@dataclass
class HttpTarget:
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                owner.hits.append(self.path)
                route = owner.routes.get(self.path.split("?")[0], Route(404, "not found"))
                if route.hang:
                    owner.released.wait(30)
                    return
                body = (route.body() if callable(route.body) else route.body).encode()
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
