"""What `warroom demo` sets up around the server: its playbook and a loopback pager.

The demo playbook is the shipped default with three changes, so a minute shows the whole
response: every person is also reached through a signed webhook on a receiver the demo runs
(a real HTTP server on 127.0.0.1 that checks the HMAC signature, like a team's pager
bridge); the P0 escalation steps are seconds apart instead of 15 minutes; and the rollback
verification and stability windows are short.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from warroom.notify.channels.webhook import SIGNATURE, TIMESTAMP, verify
from warroom.playbook.loader import default_playbook_text, parse_playbook

ESCALATE_EVERY_S = 4
STABILITY_WINDOW_S = 8
VERIFY_WINDOW_S = 5


@dataclass
class Delivery:
    at: float
    incident_id: str
    person: str
    level: int | None
    subject: str
    signed: bool


@dataclass
class Pager:
    """The loopback webhook receiver: records every page, refuses bad signatures (401)."""

    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    deliveries: list[Delivery] = field(default_factory=list)
    refused: int = 0

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                good = verify(
                    owner.secret,
                    raw,
                    self.headers.get(TIMESTAMP, ""),
                    self.headers.get(SIGNATURE, ""),
                    now=time.time(),
                )
                if good:
                    body = json.loads(raw)
                    owner.deliveries.append(
                        Delivery(
                            time.time(),
                            body.get("incident_id") or "",
                            body.get("person") or "",
                            body.get("level"),
                            body.get("subject", ""),
                            True,
                        )
                    )
                else:
                    owner.refused += 1
                self.send_response(200 if good else 401)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/pages"

    def stop(self) -> None:
        self.server.shutdown()


def write_playbook(home: Path, pager_url: str, secret: str) -> Path:
    """The demo playbook in ``home``; validated before the server gets it."""
    book = yaml.safe_load(default_playbook_text())
    book["channels"].append(
        {"name": "pager", "type": "webhook", "url": pager_url, "options": {"secret": secret}}
    )
    for person in book["oncall"]["people"]:
        person["contacts"].append({"channel": "pager", "to": person["name"]})
    for policy in book["oncall"]["escalation_policies"]:
        for i, level in enumerate(policy["levels"]):
            level["after"] = f"{i * ESCALATE_EVERY_S}s"
    rollback = book["rollback"]
    rollback["verification"]["window"] = f"{VERIFY_WINDOW_S}s"
    rollback["stability_window"] = f"{STABILITY_WINDOW_S}s"
    text = yaml.safe_dump(book, sort_keys=False)
    parse_playbook(text, source="demo playbook")
    path = home / "playbook.yaml"
    path.write_text(text)
    path.chmod(0o600)  # it holds the webhook secret
    return path
