"""Alert storm: 10,000 Alertmanager-format alerts in batches of 100.

Posts them to a running `warroom serve` on SQLite (every batch durably stored in the intake
log before its 202) and, where `prometheus-alertmanager` is installed, the same storm to
Alertmanager's own API; prints alerts/s, request latency percentiles and the ratio. Then
waits until the intake log is drained and checks that every posted alert is stored (the
"ingested" rate counts until then).

With ``--database postgresql`` the same storm goes to a fresh database on 127.0.0.1:5432
(trust auth), first to one `warroom serve --no-worker` and, with ``--servers N``, to N of
them behind a round-robin in the client.

    .venv/bin/python bench/intake.py [--alerts 10000] [--batch 100] [--concurrency 4]
        [--database sqlite|postgresql] [--servers N]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    alertmanager_binary,
    alertmanager_server,
    post_many,
    postgres_database,
    warroom_servers,
)


def storm(total: int, batch: int, run: str = "") -> list[list[dict[str, Any]]]:
    """Batches shaped like Alertmanager's notifications: each batch is one group
    (alertname + service), every alert in it a distinct instance; 100 groups in all."""
    names = ["HighErrorRate", "HighLatency", "DriftDetected", "ServiceDown"]
    start = datetime.now(UTC).isoformat()
    batches = []
    for b in range(total // batch):
        name, service = names[(b // 25) % 4], f"model-{b % 25}"
        batches.append(
            [
                {
                    "labels": {
                        "alertname": name,
                        "service": service,
                        "severity": "critical" if b % 3 == 0 else "warning",
                        "instance": f"10.{b // 256}.{b % 256}.{i}:8080{run}",
                    },
                    "annotations": {"summary": "storm", "error_rate": str((i % 10) / 10)},
                    "startsAt": start,
                }
                for i in range(batch)
            ]
        )
    return batches


def webhook(batch: list[dict[str, Any]]) -> dict[str, Any]:
    """The same alerts wrapped as Alertmanager would POST them to a webhook."""
    return {
        "version": "4",
        "status": "firing",
        "receiver": "warroom",
        "groupKey": "{}:{}",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.local",
        "truncatedAlerts": 0,
        "alerts": [
            {
                **a,
                "status": "firing",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.local/graph",
                "fingerprint": hashlib.sha256(a["labels"]["instance"].encode()).hexdigest()[:16],
            }
            for a in batch
        ],
    }


def blast(
    url: list[str], bodies: list[Any], headers: dict[str, str], concurrency: int
) -> tuple[float, list[float]]:
    encoded = [json.dumps(body).encode() for body in bodies]
    return asyncio.run(post_many(url, encoded, concurrency=concurrency, headers=headers))


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def measure(
    args: argparse.Namespace, servers: int, database_url: str | None
) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """One storm to ``servers`` processes: accepted alerts/s, latencies and the time until
    every alert is ingested (checked against the database)."""
    serve_args = ("--no-worker",) if database_url else ()
    with warroom_servers(servers, *serve_args, database_url=database_url) as wr:
        urls = [f"{u}/api/v1/integrations/alertmanager" for u in wr.urls]
        auth = {"authorization": f"Bearer {wr.alertmanager_key}"}
        concurrency = args.concurrency * servers
        warm = storm(5 * args.batch, args.batch)
        blast(urls, [webhook(b) for b in warm], auth, concurrency)
        fresh = storm(args.alerts, args.batch, run="-run")  # the warm-up's would be repeats
        started = time.perf_counter()
        elapsed, lat = blast(urls, [webhook(b) for b in fresh], auth, concurrency)
        stored = wait_stored(wr.database_url, len(warm) * args.batch + args.alerts)
        ingested = time.perf_counter() - started
    figures = {
        "alerts_per_s": round(args.alerts / elapsed),
        "ingested_alerts_per_s": round(args.alerts / ingested),
        "p50_ms": round(pct(lat, 50), 2),
        "p99_ms": round(pct(lat, 99), 2),
        "stored": stored,
    }
    return figures, fresh


def wait_stored(database_url: str, expected: int, timeout: float = 600) -> int:
    """Wait until the intake log is empty; the stored alerts, which must be ``expected``."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                waiting = conn.execute(text("SELECT count(*) FROM intake_log")).scalar()
                stored = int(conn.execute(text("SELECT count(*) FROM alerts")).scalar() or 0)
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(0.02)
    finally:
        engine.dispose()
    if waiting or stored != expected:
        raise RuntimeError(f"{stored} alerts stored of {expected}, {waiting} log rows left")
    return stored


def report(label: str, args: argparse.Namespace, figures: dict[str, Any]) -> None:
    print(
        f"{label}: {args.alerts} alerts accepted at {figures['alerts_per_s']:,} alerts/s "
        f"(p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms per batch of {args.batch}); "
        f"all ingested at {figures['ingested_alerts_per_s']:,} alerts/s; "
        f"{figures['stored']} alerts stored, as posted"
    )


def compare_alertmanager(
    args: argparse.Namespace, fresh: list[list[dict[str, Any]]], rate: float, result: dict[str, Any]
) -> None:
    if not alertmanager_binary():
        print("prometheus-alertmanager not installed: no comparison")
        return
    with alertmanager_server("    webhook_configs: []\n") as am:
        url = f"{am}/api/v2/alerts"
        blast([url], storm(5 * args.batch, args.batch), {}, args.concurrency)
        am_elapsed, am_lat = blast([url], fresh, {}, args.concurrency)
    am_rate = args.alerts / am_elapsed
    result["alertmanager_alerts_per_s"] = round(am_rate)
    result["ratio_vs_alertmanager"] = round(rate / am_rate, 2)
    print(
        f"alertmanager: {am_rate:,.0f} alerts/s (p50 {pct(am_lat, 50):.2f} ms, "
        f"p99 {pct(am_lat, 99):.2f} ms; in memory, no durable write per alert)"
    )
    print(f"ratio warroom/alertmanager: {result['ratio_vs_alertmanager']}")


def on_postgresql(args: argparse.Namespace, result: dict[str, Any]) -> None:
    """The same storm on a fresh PostgreSQL database: one process, then ``--servers``."""
    with postgres_database() as url:
        pg, _ = measure(args, 1, url)
    report("warroom (PostgreSQL, 1 process)", args, pg)
    result["postgresql_alerts_per_s"] = pg["alerts_per_s"]
    result["postgresql_ingested_alerts_per_s"] = pg["ingested_alerts_per_s"]
    if args.servers > 1:
        with postgres_database() as url:
            many, _ = measure(args, args.servers, url)
        report(f"warroom (PostgreSQL, {args.servers} processes)", args, many)
        prefix = f"postgresql_{args.servers}_servers"
        result[f"{prefix}_alerts_per_s"] = many["alerts_per_s"]
        result[f"{prefix}_ingested_alerts_per_s"] = many["ingested_alerts_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--servers", type=int, default=1)
    args = parser.parse_args()

    figures, fresh = measure(args, 1, None)
    report("warroom (SQLite, 1 process)", args, figures)
    result: dict[str, Any] = {
        "alerts_per_s": figures["alerts_per_s"],
        "p50_ms": figures["p50_ms"],
        "p99_ms": figures["p99_ms"],
        "ingested_alerts_per_s": figures["ingested_alerts_per_s"],
        "alertmanager_alerts_per_s": None,
        "ratio_vs_alertmanager": None,
    }
    # Alertmanager right after warroom on SQLite: the ratio compares the same minute.
    compare_alertmanager(args, fresh, figures["alerts_per_s"], result)
    if args.database == "postgresql":
        on_postgresql(args, result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
