"""Alert → page latency: a real `warroom serve` (SQLite, worker in-process) pages a real
webhook receiver on loopback; measures POST /api/v1/alerts → page received, per incident."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import warroom_server  # noqa: E402

from warroom.playbook.loader import dump_playbook, load_playbook  # noqa: E402
from warroom.playbook.schema import Playbook  # noqa: E402

INCIDENTS = 50
arrived: dict[str, float] = {}


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        arrived.setdefault(body["incident_id"], time.perf_counter())
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def playbook_file(url: str) -> Path:
    data = load_playbook().model_dump(mode="json")
    data["channels"] = [{"name": "hook", "type": "webhook", "url": url}]
    for person in data["oncall"]["people"]:
        person["contacts"] = [{"channel": "hook", "to": person["name"]}]
    path = Path(tempfile.mkdtemp()) / "playbook.yaml"
    path.write_text(dump_playbook(Playbook.model_validate(data)))
    return path


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/page"
    sent: dict[str, float] = {}
    with warroom_server(
        WARROOM_PLAYBOOK=str(playbook_file(hook)), WARROOM_WORKER_POLL_INTERVAL="0.05"
    ) as wr:
        client = httpx.Client(
            base_url=wr.url, headers={"Authorization": f"Bearer {wr.token}"}, timeout=30
        )
        for i in range(INCIDENTS):
            alert = {"name": "HighErrorRate", "service": f"svc-{i}", "metrics": {"error_rate": 0.9}}
            start = time.perf_counter()
            [incident_id] = client.post("/api/v1/alerts", json=alert).json()["incidents_opened"]
            sent[incident_id] = start
            time.sleep(0.1)
        deadline = time.monotonic() + 60
        while len(arrived) < INCIDENTS and time.monotonic() < deadline:
            time.sleep(0.05)
    latencies = sorted((arrived[i] - sent[i]) * 1000 for i in sent if i in arrived)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"incidents: {INCIDENTS}, pages received: {len(latencies)}")
    print(f"alert POST -> page at the receiver: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print("(the worker polls every 50 ms when idle; WARROOM_WORKER_POLL_INTERVAL)")
    print("Alertmanager comparison (group_wait 0s): not measured yet")
    summary = {
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
        "alertmanager_p50_ms": None,
        "ratio_vs_alertmanager": None,
        "incidents": INCIDENTS,
        "pages_received": len(latencies),
    }
    print(json.dumps(summary))
    server.shutdown()


if __name__ == "__main__":
    main()
