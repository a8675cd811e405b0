"""A storm of distinct incidents: N alert groups (one service each) posted at once to a real
`warroom serve` (SQLite, worker in-process), a loopback webhook receiver counting first pages;
with ``--database postgresql`` also to 2 `warroom serve --no-worker` plus 2 `warroom worker`
processes on one PostgreSQL (the client sends to the two servers in turn); then the same
storm through a real Alertmanager (group_wait 0s) to the same kind of receiver, in the same
run. Prints seconds until every incident is open and until every first page arrived.

The storm arrives as Alertmanager delivers it (``--via webhook``, the default): one webhook
notification per alert group, to ``/api/v1/integrations/alertmanager``, which answers 202 once
the notification is durably logged; an incident is open when the database shows it. With
``--via api`` each group is a synchronous ``POST /api/v1/alerts`` instead, whose answer means
the incident is open.

    .venv/bin/python bench/incident_storm.py [--incidents 1000] [--concurrency 8]
        [--database sqlite|postgresql|both] [--via webhook|api]

PostgreSQL: set WARROOM_BENCH_POSTGRES_URL (or WARROOM_TEST_POSTGRES_URL).
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
from common import (  # noqa: E402
    Warroom,
    alertmanager_binary,
    alertmanager_server,
    post_many,
    postgres_database,
    warroom_server,
    warroom_servers,
)
from page_latency import playbook_file, receiver, wait_for  # noqa: E402


def storm_warroom(
    incidents: int, concurrency: int, database: str, via: str
) -> tuple[float, float, int]:
    """(all open, all paged, pages received) in seconds from the first POST."""
    with receiver(lambda body: str(body["incident_id"])) as (hook, arrived):
        playbook = str(playbook_file(hook))
        if database == "sqlite":
            with warroom_server(WARROOM_PLAYBOOK=playbook) as wr:
                return _storm(wr, incidents, concurrency, via, arrived)
        # The production shape: two `serve --no-worker` and two `worker` on one PostgreSQL.
        with (
            postgres_database() as url,
            warroom_servers(
                2, "--no-worker", database_url=url, workers=2, WARROOM_PLAYBOOK=playbook
            ) as pg,
        ):
            return _storm(pg, incidents, concurrency, via, arrived)


def _group_notification(i: int, now: str) -> dict[str, Any]:
    """Alertmanager's webhook notification for the alert group of service ``svc-i``."""
    labels = {"alertname": "RegionDown", "service": f"svc-{i}", "severity": "critical"}
    return {
        "version": "4",
        "status": "firing",
        "receiver": "warroom",
        "groupKey": f'{{}}:{{alertname="RegionDown", service="svc-{i}"}}',
        "groupLabels": {"alertname": "RegionDown", "service": f"svc-{i}"},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.local",
        "truncatedAlerts": 0,
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": f"svc-{i} is down in the region"},
                "startsAt": now,
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.local/graph",
                "fingerprint": f"{i:016x}",
            }
        ],
    }


def _storm(
    wr: Warroom, incidents: int, concurrency: int, via: str, arrived: dict[str, float]
) -> tuple[float, float, int]:
    """Post the storm to the servers in turn, each over its share of the connections."""
    if via == "webhook":
        now = datetime.now(UTC).isoformat()
        bodies = [json.dumps(_group_notification(i, now)).encode() for i in range(incidents)]
        path, token = "/api/v1/integrations/alertmanager", wr.alertmanager_key
    else:
        bodies = [
            json.dumps(
                {"name": "RegionDown", "service": f"svc-{i}", "metrics": {"error_rate": 0.9}}
            ).encode()
            for i in range(incidents)
        ]
        path, token = "/api/v1/alerts", wr.token
    urls = wr.urls
    headers = {"Authorization": f"Bearer {token}"}
    share = max(1, concurrency // len(urls))

    async def all_servers() -> None:
        await asyncio.gather(
            *(
                post_many(
                    f"{url}{path}",
                    bodies[n :: len(urls)],
                    concurrency=share,
                    headers=headers,
                )
                for n, url in enumerate(urls)
            )
        )

    t0 = time.perf_counter()
    asyncio.run(all_servers())
    if via == "webhook":
        wait_opened(wr.database_url, incidents)
    all_open = time.perf_counter() - t0
    wait_for(arrived, incidents, timeout=600)
    paged = max(arrived.values(), default=t0) - t0
    return all_open, paged, len(arrived)


def wait_opened(database_url: str, expected: int, timeout: float = 600) -> None:
    """Wait until the database shows ``expected`` incidents."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                if conn.execute(text("SELECT count(*) FROM incidents")).scalar() == expected:
                    return
                conn.rollback()
                time.sleep(0.01)
    finally:
        engine.dispose()
    raise RuntimeError(f"fewer than {expected} incidents after {timeout} s")


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
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql", "both"),
        default="sqlite",
        help="postgresql: 2 `serve --no-worker` + 2 `worker` processes",
    )
    parser.add_argument(
        "--via",
        choices=("webhook", "api"),
        default="webhook",
        help="webhook: one Alertmanager notification per group; api: POST /api/v1/alerts",
    )
    args = parser.parse_args()
    n = args.incidents
    summary: dict[str, Any] = {"incidents": n, "via": args.via}
    for database in ("sqlite", "postgresql"):
        if args.database not in (database, "both"):
            continue
        label = "SQLite" if database == "sqlite" else "PostgreSQL, 2 servers + 2 workers"
        all_open, all_paged, pages = storm_warroom(n, args.concurrency, database, args.via)
        print(f"warroom ({label}): {n} incidents open after {all_open:.2f} s")
        print(f"warroom ({label}): {pages}/{n} first pages, the last after {all_paged:.2f} s")
        prefix = "" if database == "sqlite" else "postgresql_"
        summary[f"{prefix}all_open_s"] = round(all_open, 2)
        summary[f"{prefix}all_paged_s"] = round(all_paged, 2) if pages == n else None
    summary.setdefault("all_open_s", None)
    summary.setdefault("all_paged_s", None)
    summary |= {"alertmanager_all_notified_s": None, "ratio": None}
    if alertmanager_binary():
        theirs, notified = storm_alertmanager(n)
        print(f"alertmanager: {notified}/{n} notified, the last after {theirs:.2f} s")
        if notified == n:
            summary["alertmanager_all_notified_s"] = round(theirs, 2)
            for prefix in ("", "postgresql_"):
                if summary.get(f"{prefix}all_paged_s") is not None:
                    summary[f"{prefix}ratio"] = round(summary[f"{prefix}all_paged_s"] / theirs, 1)
    else:
        print("prometheus-alertmanager not installed: no comparison")
    # The agreed keys first, the PostgreSQL ones after them.
    order = ["incidents", "all_open_s", "all_paged_s", "alertmanager_all_notified_s", "ratio"]
    print(json.dumps({k: summary[k] for k in order} | summary))


if __name__ == "__main__":
    main()
