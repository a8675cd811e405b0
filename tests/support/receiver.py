"""A real HTTP receiver on loopback that records what channels POST to it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes = b""
    client_port: int = 0


@dataclass
class Receiver:
    status: int = 200
    received: list[Received] = field(default_factory=list)
    on_request: Callable[[Received], None] | None = None

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(length)
                item = Received(
                    self.path, dict(self.headers), json.loads(raw), raw, self.client_address[1]
                )
                owner.received.append(item)
                if owner.on_request is not None:
                    owner.on_request(item)
                self.send_response(owner.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()

    def keys(self) -> list[str]:
        return [r.headers["Idempotency-Key"] for r in self.received]
