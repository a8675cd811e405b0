"""Alert → page latency: a real `warroom serve` (SQLite, worker in-process) pages a real
webhook receiver on loopback; measures POST /api/v1/alerts → page received, per incident.
Where prometheus-alertmanager is installed, the same path through Alertmanager (group_wait 0s,
webhook receiver on loopback) is measured too, and the ratio printed.

    .venv/bin/python bench/page_latency.py [--alerts 200] [--gap 0.02]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import alertmanager_binary, alertmanager_server, warroom_server  # noqa: E402

from warroom.playbook.loader import dump_playbook, load_playbook  # noqa: E402
from warroom.playbook.schema import Playbook  # noqa: E402


@contextmanager
def receiver(key_of: Callable[[dict[str, Any]], str]) -> Iterator[tuple[str, dict[str, float]]]:
    """A loopback HTTP receiver recording the first arrival time per ``key_of(body)``."""
    arrived: dict[str, float] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            arrived.setdefault(key_of(body), time.perf_counter())
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 1024  # a storm's senders connect at once; 5 would drop them

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/page", arrived
    finally:
        server.shutdown()


def playbook_file(url: str) -> Path:
    data = load_playbook().model_dump(mode="json")
    data["channels"] = [{"name": "hook", "type": "webhook", "url": url}]
    for person in data["oncall"]["people"]:
        person["contacts"] = [{"channel": "hook", "to": person["name"]}]
    path = Path(tempfile.mkdtemp()) / "playbook.yaml"
    path.write_text(dump_playbook(Playbook.model_validate(data)))
    return path


def wait_for(arrived: dict[str, float], count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(arrived) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def latencies(sent: dict[str, float], arrived: dict[str, float]) -> list[float]:
    return sorted((arrived[k] - sent[k]) * 1000 for k in sent if k in arrived)


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p / 100))]


POST = []


def measure_warroom(alerts: int, gap: float) -> list[float]:
    with receiver(lambda body: str(body["incident_id"])) as (hook, arrived):
        sent: dict[str, float] = {}
        with warroom_server(WARROOM_PLAYBOOK=str(playbook_file(hook))) as wr:
            headers = {"Authorization": f"Bearer {wr.token}"}
            with httpx.Client(base_url=wr.url, headers=headers, timeout=30) as client:
                for i in range(alerts):
                    alert = {
                        "name": "HighErrorRate",
                        "service": f"svc-{i}",
                        "metrics": {"error_rate": 0.9},
                    }
                    start = time.perf_counter()
                    answer = client.post("/api/v1/alerts", json=alert).json()
                    POST.append((time.perf_counter() - start) * 1000)
                    [incident_id] = answer["incidents_opened"]
                    sent[incident_id] = start
                    time.sleep(gap)
                wait_for(arrived, alerts)
        return latencies(sent, arrived)


def measure_alertmanager(alerts: int, gap: float) -> list[float]:
    def key(body: dict[str, Any]) -> str:
        return str(body["alerts"][0]["labels"]["service"])

    with receiver(key) as (hook, arrived):
        stanza = f"    webhook_configs:\n      - url: {hook}\n        send_resolved: false\n"
        route = "  group_wait: 0s\n  group_interval: 1m\n  repeat_interval: 4h\n"
        with alertmanager_server(stanza, route_extra=route) as am:
            sent: dict[str, float] = {}
            with httpx.Client(base_url=am, timeout=30) as client:
                for i in range(alerts):
                    service = f"svc-{i}"
                    alert = {
                        "labels": {"alertname": "HighErrorRate", "service": service},
                        "startsAt": datetime.now(UTC).isoformat(),
                    }
                    start = time.perf_counter()
                    client.post("/api/v2/alerts", json=[alert]).raise_for_status()
                    sent[service] = start
                    time.sleep(gap)
                wait_for(arrived, alerts)
        return latencies(sent, arrived)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.02, help="seconds between alerts")
    args = parser.parse_args()
    ours = measure_warroom(args.alerts, args.gap)
    print("post p50", statistics.median(POST))
    return
    p50, p99 = statistics.median(ours), pct(ours, 99)
    print(f"warroom: {len(ours)}/{args.alerts} pages received")
    print(f"alert POST -> page at the receiver: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    summary: dict[str, Any] = {
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
        "alertmanager_p50_ms": None,
        "ratio_vs_alertmanager": None,
    }
    if alertmanager_binary():
        theirs = measure_alertmanager(args.alerts, args.gap)
        am50 = statistics.median(theirs)
        print(f"alertmanager: {len(theirs)}/{args.alerts} webhooks received")
        print(f"alert POST -> webhook: p50 {am50:.1f} ms, p99 {pct(theirs, 99):.1f} ms")
        summary["alertmanager_p50_ms"] = round(am50, 1)
        summary["ratio_vs_alertmanager"] = round(p50 / am50, 2)
        print(f"ratio warroom/alertmanager (p50): {summary['ratio_vs_alertmanager']}")
    else:
        print("prometheus-alertmanager not installed: no comparison")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
