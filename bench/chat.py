"""The war room in Slack, against the local Slack Web API server of the tests: a real
warroom HTTP server (uvicorn, SQLite, worker threads in-process) on loopback.

- room_open: POST /api/v1/alerts (a new P1 incident) → its room created, topic set, people
  invited and the opening message pinned (the ``pins.add`` call reaching Slack), per incident.
- ack_from_chat: a signed Acknowledge button click → the HTTP answer, sent once the incident
  is acknowledged (committed).

    PYTHONPATH=src .venv/bin/python bench/chat.py [--incidents 100] [--clicks 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.slack import SIGNING_SECRET, TOKEN, SlackServer, click  # noqa: E402

from warroom.api.app import create_asgi  # noqa: E402
from warroom.auth import service as auth  # noqa: E402
from warroom.bootstrap import bootstrap  # noqa: E402
from warroom.chat.models import ChatRoom  # noqa: E402
from warroom.config import Settings  # noqa: E402
from warroom.playbook.schema import Playbook  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100)
    parser.add_argument("--clicks", type=int, default=30)
    args = parser.parse_args()
    slack = SlackServer()
    slack.add_user("UALICE001", "alice", "alice@example.com")
    slack.start()
    pinned: dict[str, float] = {}
    slack.after = lambda call: (
        pinned.setdefault(str(call.params["channel"]), time.perf_counter())
        if call.method == "pins.add"
        else None
    )
    os.environ.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    home = Path(tempfile.mkdtemp(prefix="warroom-bench-chat-"))
    container = bootstrap(Settings(home=home, worker_poll_interval=0.05), migrate=True)
    data = container.playbook.model_dump(mode="json", by_alias=True)
    data["channels"].append({"name": "slack", "type": "slack", "url": f"{slack.url}/respond/hook"})
    for person in data["oncall"]["people"]:
        if person["name"] == "alice":
            person["contacts"] = [{"channel": "slack", "to": "UALICE001"}]
    data["chat"] = {"base_url": slack.url + "/api/"}
    container.playbook = Playbook.model_validate(data)
    with container.db.session() as session:
        _, token = auth.create_token(
            session=session, name="bench", role="responder", actor="bench", now=container.clock()
        )
    config = uvicorn.Config(create_asgi(container), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    from warroom.worker.loop import Worker

    worker = Worker(container)
    worker.start()
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    opened: list[tuple[str, float]] = []
    room_ms: list[float] = []
    for i in range(args.incidents):
        started = time.perf_counter()
        body = {"name": "HighErrorRate", "service": f"svc-{i}", "metrics": {"error_rate": 0.2}}
        incident_id = client.post("/api/v1/alerts", json=body).json()["incidents_opened"][0]
        channel = None
        while channel is None or channel not in pinned:
            time.sleep(0.002)
            if channel is None:
                with container.db.read() as session:
                    room = session.get(ChatRoom, incident_id)
                    channel = room.channel_id if room else None
        room_ms.append((pinned[channel] - started) * 1000)
        opened.append((incident_id, started))

    ack_ms: list[float] = []
    for incident_id, _ in opened[: args.clicks]:
        started = time.perf_counter()
        answer = click(base, slack, user="UALICE001", action_id="warroom_ack", value=incident_id)
        assert answer.status_code == 200, answer.text
        ack_ms.append((time.perf_counter() - started) * 1000)
    with container.db.read() as session:
        from warroom.incidents.models import Incident

        acked = sum(
            1
            for i, _ in opened[: args.clicks]
            if session.get(Incident, i).status == "acknowledged"  # type: ignore[union-attr]
        )
    worker.stop()
    server.should_exit = True
    slack.stop()
    print(f"chat bench {datetime.now(UTC).isoformat(timespec='seconds')}, SQLite, loopback Slack")
    print(
        f"room open (alert → pinned opening message), {len(room_ms)} incidents: "
        f"p50 {statistics.median(room_ms):.1f} ms, p99 {pct(room_ms, 0.99):.1f} ms, "
        f"max {max(room_ms):.1f} ms"
    )
    print(
        f"acknowledge from a button, {len(ack_ms)} clicks ({acked} acknowledged): "
        f"p50 {statistics.median(ack_ms):.1f} ms, p99 {pct(ack_ms, 0.99):.1f} ms"
    )
    print(f"Slack calls: {len(slack.calls)}; rooms: {len(slack.channels)}")
    print(
        json.dumps(
            {
                "room_open_p50_ms": round(statistics.median(room_ms), 1),
                "room_open_p99_ms": round(pct(room_ms, 0.99), 1),
                "ack_from_chat_p50_ms": round(statistics.median(ack_ms), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
