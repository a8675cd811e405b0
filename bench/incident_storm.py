"""A storm of distinct incidents: N alert groups (one service each) posted at once to a real
`warroom serve` (SQLite, worker in-process), a loopback webhook receiver counting first pages;
then the same storm through a real Alertmanager (group_wait 0s) to the same kind of receiver,
in the same run. Prints seconds until every incident is open (every POST answered: an answer
means durably stored and the incident opened) and until every first page arrived.

    .venv/bin/python bench/incident_storm.py [--incidents 1000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import alertmanager_binary, alertmanager_server, post_many, warroom_server  # noqa: E402
from page_latency import playbook_file, receiver, wait_for  # noqa: E402


def storm_warroom(incidents: int, concurrency: int) -> tuple[float, float, int]:
    """(all open, all paged, pages received) in seconds from the first POST."""
    with receiver(lambda body: str(body["incident_id"])) as (hook, arrived):
        with warroom_server(WARROOM_PLAYBOOK=str(playbook_file(hook))) as wr:
            bodies = [
                json.dumps(
                    {"name": "RegionDown", "service": f"svc-{i}", "metrics": {"error_rate": 0.9}}
                ).encode()
                for i in range(incidents)
            ]
            headers = {"Authorization": f"Bearer {wr.token}"}
            t0 = time.perf_counter()
            asyncio.run(
                post_many(
                    f"{wr.url}/api/v1/alerts", bodies, concurrency=concurrency, headers=headers
                )
            )
            all_open = time.perf_counter() - t0
            wait_for(arrived, incidents, timeout=600)
            paged = max(arrived.values(), default=t0) - t0
            return all_open, paged, len(arrived)


def storm_alertmanager(incidents: int) -> tuple[float, int]:
    def key(body: dict[str, Any]) -> str:
        return str(body["alerts"][0]["labels"]["service"])

    with receiver(key) as (hook, arrived):
        stanza = f"    webhook_configs:\n      - url: {hook}\n        send_resolved: false\n"
        route = "  group_wait: 0s\n  group_interval: 1m\n  repeat_interval: 4h\n"
        with alertmanager_server(stanza, route_extra=route) as am:
            now = datetime.now(UTC).isoformat()
            alerts = [
                {"labels": {"alertname": "RegionDown", "service": f"svc-{i}"}, "startsAt": now}
                for i in range(incidents)
            ]
            t0 = time.perf_counter()
            httpx.post(f"{am}/api/v2/alerts", json=alerts, timeout=60).raise_for_status()
            wait_for(arrived, incidents, timeout=600)
            return max(arrived.values(), default=t0) - t0, len(arrived)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8, help="parallel POST connections")
    args = parser.parse_args()
    all_open, all_paged, pages = storm_warroom(args.incidents, args.concurrency)
    print(f"warroom (SQLite): {args.incidents} incidents open after {all_open:.2f} s")
    print(f"warroom: {pages}/{args.incidents} first pages, the last after {all_paged:.2f} s")
    summary: dict[str, Any] = {
        "incidents": args.incidents,
        "all_open_s": round(all_open, 2),
        "all_paged_s": round(all_paged, 2) if pages == args.incidents else None,
        "alertmanager_all_notified_s": None,
        "ratio": None,
    }
    if alertmanager_binary():
        theirs, notified = storm_alertmanager(args.incidents)
        print(f"alertmanager: {notified}/{args.incidents} notified, the last after {theirs:.2f} s")
        summary["alertmanager_all_notified_s"] = round(theirs, 2)
        if summary["all_paged_s"] is not None and notified == args.incidents:
            summary["ratio"] = round(all_paged / theirs, 1)
    else:
        print("prometheus-alertmanager not installed: no comparison")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
