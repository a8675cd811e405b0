"""Alert storm: 10,000 Alertmanager-format alerts in batches of 100.

Posts them to a running `warroom serve` on SQLite (every alert durably stored before the
answer) and, where `prometheus-alertmanager` is installed, the same storm to Alertmanager's
own API; prints alerts/s, request latency percentiles and the ratio.

    .venv/bin/python bench/intake.py [--alerts 10000] [--batch 100] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alertmanager_binary, alertmanager_server, post_many, warroom_server  # noqa: E402


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
    url: str, bodies: list[Any], headers: dict[str, str], concurrency: int
) -> tuple[float, list[float]]:
    encoded = [json.dumps(body).encode() for body in bodies]
    return asyncio.run(post_many(url, encoded, concurrency=concurrency, headers=headers))


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    batches = storm(args.alerts, args.batch)
    headers: dict[str, str] = {}

    with warroom_server() as wr:
        url = f"{wr.url}/api/v1/integrations/alertmanager"
        auth = {**headers, "authorization": f"Bearer {wr.alertmanager_key}"}
        blast(url, [webhook(b) for b in batches[:5]], auth, args.concurrency)  # warm-up
        fresh = storm(args.alerts, args.batch, run="-run")  # the warm-up's would be repeats
        elapsed, lat = blast(url, [webhook(b) for b in fresh], auth, args.concurrency)
        stored = httpx.get(
            f"{wr.url}/api/v1/alerts",
            params={"limit": 1},
            headers={"authorization": f"Bearer {wr.token}"},
        ).json()
    rate = args.alerts / elapsed
    result: dict[str, Any] = {
        "alerts_per_s": round(rate),
        "p50_ms": round(pct(lat, 50), 2),
        "p99_ms": round(pct(lat, 99), 2),
        "alertmanager_alerts_per_s": None,
        "ratio_vs_alertmanager": None,
    }
    print(
        f"warroom: {args.alerts} alerts in {elapsed:.2f}s = {rate:,.0f} alerts/s "
        f"(p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms per batch of {args.batch}); "
        f"newest stored alert id {stored[0]['id']}"
    )

    if alertmanager_binary():
        receiver = "    webhook_configs: []\n"
        with alertmanager_server(receiver) as am:
            url = f"{am}/api/v2/alerts"
            blast(url, batches[:5], headers, args.concurrency)
            am_elapsed, am_lat = blast(url, fresh, headers, args.concurrency)
        am_rate = args.alerts / am_elapsed
        result["alertmanager_alerts_per_s"] = round(am_rate)
        result["ratio_vs_alertmanager"] = round(rate / am_rate, 2)
        print(
            f"alertmanager: {am_rate:,.0f} alerts/s (p50 {pct(am_lat, 50):.2f} ms, "
            f"p99 {pct(am_lat, 99):.2f} ms; in memory, no durable write per alert)"
        )
        print(f"ratio warroom/alertmanager: {result['ratio_vs_alertmanager']}")
    else:
        print("prometheus-alertmanager not installed: no comparison")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
