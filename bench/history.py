"""Reads against a growing history: do they follow the page, or the history?

Fills a real `warroom serve` (SQLite) through its Alertmanager webhook to 100 incidents and
times every read people and tools make often; then fills on to 10,000 incidents (100,000
alerts: ten per incident, every group a different service, firing then resolved with
auto_resolve on, one incident in twenty left open) and times the same reads again.

The fill posts 1,000 alerts per request (a hundred groups) through the real webhook, every
alert durably stored and grouped as in production. It runs with the worker stopped
(`serve --no-worker`) so that the follow-up work of 10,000 incidents (routing, pages, tasks)
stays queued instead of stretching the fill to hours; the reads are then timed on an idle
server: the median of 15 calls after 3 warm-ups.

    .venv/bin/python bench/history.py [--small 100] [--large 10000]

Last line: {"worst_read", "worst_ratio", "worst_ms_at_10k"} (the read with the largest
ratio, that ratio, and the slowest read's time at the large size).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import warroom_server  # noqa: E402

from warroom.playbook.loader import dump_playbook, load_playbook  # noqa: E402
from warroom.playbook.schema import Playbook  # noqa: E402

ALERTS_PER_INCIDENT = 10
GROUPS_PER_REQUEST = 100
OPEN_EVERY = 20


def playbook_file() -> Path:
    data = load_playbook().model_dump(mode="json")
    data["auto_resolve"] = True
    path = Path(tempfile.mkdtemp()) / "playbook.yaml"
    path.write_text(dump_playbook(Playbook.model_validate(data)))
    return path


def alerts_of(group: int, status: str, at: str) -> list[dict[str, Any]]:
    """The ten alerts of one group (one service), as Alertmanager sends them."""
    out = []
    for i in range(ALERTS_PER_INCIDENT):
        labels = {
            "alertname": "HighErrorRate",
            "service": f"hist-{group}",
            "severity": "warning",
            "instance": f"10.{group // 256 % 256}.{group % 256}.{i}:8080",
        }
        out.append(
            {
                "status": status,
                "labels": labels,
                "annotations": {"summary": "history"},
                "startsAt": at,
                "endsAt": at if status == "resolved" else "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.local/graph",
                "fingerprint": hashlib.sha256(repr(labels).encode()).hexdigest()[:16],
            }
        )
    return out


def webhook(alerts: list[dict[str, Any]], status: str) -> dict[str, Any]:
    return {
        "version": "4", "status": status, "receiver": "warroom", "groupKey": "{}:{}",
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.local", "truncatedAlerts": 0, "alerts": alerts,
    }  # fmt: skip


def post_stored(client: httpx.Client, key: str, alerts: list[dict[str, Any]], status: str) -> None:
    """POST one webhook batch. A 2xx means stored: a webhook that answers 202 has queued the
    batch in its intake log, which is ingested in order (see :func:`drained`)."""
    headers = {"authorization": f"Bearer {key}"}
    url = "/api/v1/integrations/alertmanager"
    client.post(url, json=webhook(alerts, status), headers=headers).raise_for_status()


def drained(client: httpx.Client, timeout: float = 600) -> None:
    """Wait until the server has ingested every batch its webhooks stored (nothing waits in
    the intake log), so that the reads see the whole history."""
    deadline = time.monotonic() + timeout
    while waiting(client):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the intake log did not drain within {timeout:.0f} s")
        time.sleep(0.1)


def waiting(client: httpx.Client) -> int:
    """Batches of the intake log still waiting to be ingested."""
    health = client.get("/api/v1/health")
    health.raise_for_status()
    return int(health.json()["intake_log"]["waiting"])


def fill(client: httpx.Client, key: str, start: int, end: int) -> None:
    """Groups [start, end): each fires, then resolves (but one in twenty stays open)."""
    for first in range(start, end, GROUPS_PER_REQUEST):
        groups = range(first, min(end, first + GROUPS_PER_REQUEST))
        now = datetime.now(UTC).isoformat()
        post_stored(client, key, [a for g in groups for a in alerts_of(g, "firing", now)], "firing")
        resolved = [a for g in groups if g % OPEN_EVERY for a in alerts_of(g, "resolved", now)]
        post_stored(client, key, resolved, "resolved")
    drained(client)


def timed(call: Callable[[], httpx.Response], runs: int = 15) -> float:
    """Median milliseconds of ``call`` after three warm-ups; raises on a non-2xx answer."""
    for _ in range(3):
        call().raise_for_status()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        call().raise_for_status()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


@contextmanager
def sign_in(url: str, token: str) -> Iterator[httpx.Client]:
    """A console session, signed in as a browser would."""
    with httpx.Client(base_url=url, timeout=60) as client:
        form = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        client.post("/login", data={"token": token, "csrf": csrf.group(1), "next": "/"})
        yield client


def reads(api: httpx.Client, web: httpx.Client) -> dict[str, float]:
    """The time of each read, with the newest incident as the one looked at."""
    newest = api.get("/api/v1/incidents", params={"limit": 1}).json()[0]["id"]
    calls: dict[str, Callable[[], httpx.Response]] = {
        "api_incident_list": lambda: api.get("/api/v1/incidents", params={"limit": 50}),
        "api_incident_detail": lambda: api.get(f"/api/v1/incidents/{newest}"),
        "api_alert_list": lambda: api.get("/api/v1/alerts", params={"limit": 50}),
        "api_audit_list": lambda: api.get("/api/v1/audit", params={"limit": 50}),
        "api_response_report": lambda: api.get("/api/v1/reports/response"),
        "console_incident_list": lambda: web.get("/"),
        "console_incident_page": lambda: web.get(f"/incidents/{newest}"),
        "console_reports": lambda: web.get("/reports", params={"days": 30}),
        "status_page": lambda: web.get("/status"),
    }
    return {name: timed(call) for name, call in calls.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    args = parser.parse_args()
    sizes: dict[int, dict[str, float]] = {}
    with warroom_server("--no-worker", WARROOM_PLAYBOOK=str(playbook_file())) as wr:
        headers = {"authorization": f"Bearer {wr.token}"}
        with (
            httpx.Client(base_url=wr.url, headers=headers, timeout=300) as api,
            sign_in(wr.url, wr.token) as web,
        ):
            filled = 0
            for size in (args.small, args.large):
                t = time.perf_counter()
                fill(api, wr.alertmanager_key, filled, size)
                took = time.perf_counter() - t
                filled = size
                print(f"filled to {size:,} incidents ({size * ALERTS_PER_INCIDENT:,} alerts) "
                      f"in {took:.1f}s")  # fmt: skip
                sizes[size] = reads(api, web)
    small, large = sizes[args.small], sizes[args.large]
    print(f"{'read':<24}{args.small:>10,}{args.large:>10,}  ratio  (median ms)")
    ratios = {}
    for name in small:
        ratios[name] = large[name] / small[name]
        print(f"{name:<24}{small[name]:>10.1f}{large[name]:>10.1f}  {ratios[name]:.2f}")
    worst = max(ratios, key=lambda n: ratios[n])
    print(json.dumps({
        "worst_read": worst,
        "worst_ratio": round(ratios[worst], 2),
        "worst_ms_at_10k": round(max(large.values()), 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
