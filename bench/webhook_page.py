"""Alert → page through the two ways in: the JSON API (ingested before its answer) and the
Alertmanager webhook (stored in the intake log before its 202, ingested right after), one
single-alert incident at a time, alternating, on one real `warroom serve` (SQLite, worker
in-process) paging a webhook receiver on loopback.

    .venv/bin/python bench/webhook_page.py [--alerts 150] [--gap 0.02]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import warroom_server  # noqa: E402
from page_latency import pct, playbook_file, receiver, wait_for  # noqa: E402


def service_of(body: dict[str, Any]) -> str:
    """The service a page is about (its subject names it), else its id."""
    found = re.search(r"on (svc-[a-z]+-\d+)", f"{body.get('subject', '')} {body.get('text', '')}")
    return found.group(1) if found else str(body.get("id"))


def webhook(service: str) -> dict[str, Any]:
    labels = {"alertname": "HighErrorRate", "service": service, "severity": "critical"}
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": {"error_rate": "0.9"},  # the same severity as the JSON API's alert
        "startsAt": "2026-12-03T00:00:00Z",
    }
    return {"version": "4", "status": "firing", "alerts": [alert]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=150, help="incidents each way")
    parser.add_argument("--gap", type=float, default=0.02, help="seconds between alerts")
    args = parser.parse_args()
    sent: dict[str, float] = {}
    with receiver(service_of) as (hook, arrived):
        with warroom_server(WARROOM_PLAYBOOK=str(playbook_file(hook))) as wr:
            token = {"Authorization": f"Bearer {wr.token}"}
            hook_url = f"/api/v1/integrations/alertmanager?key={wr.alertmanager_key}"
            with httpx.Client(base_url=wr.url, timeout=30) as client:
                for i in range(args.alerts):
                    for way in ("api", "webhook"):
                        service = f"svc-{way}-{i}"
                        start = time.perf_counter()
                        if way == "api":
                            alert = {
                                "name": "HighErrorRate",
                                "service": service,
                                "metrics": {"error_rate": 0.9},
                            }
                            client.post("/api/v1/alerts", json=alert, headers=token)
                        else:
                            client.post(hook_url, json=webhook(service)).raise_for_status()
                        sent[service] = start
                        time.sleep(args.gap)
                wait_for(arrived, 2 * args.alerts)
    result: dict[str, Any] = {}
    for way in ("api", "webhook"):
        ms = sorted(
            (arrived[k] - t) * 1000 for k, t in sent.items() if f"-{way}-" in k and k in arrived
        )
        p50 = round(statistics.median(ms), 1)
        result[f"{way}_p50_ms"], result[f"{way}_p99_ms"] = p50, round(pct(ms, 99), 1)
        p99 = result[f"{way}_p99_ms"]
        print(f"{way}: {len(ms)}/{args.alerts} pages; alert → page p50 {p50} ms, p99 {p99} ms")
    result["webhook_minus_api_p50_ms"] = round(result["webhook_p50_ms"] - result["api_p50_ms"], 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
