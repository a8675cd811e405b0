"""Part one of `warroom demo`: alerts from the tools teams already run (a generic JSON POST,
Alertmanager webhooks) go in over HTTP and become incidents, de-duplicated and grouped."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from warroom.demo.view import console
from warroom.errors import WarroomError


def _alertmanager_payload(status: str, started: datetime) -> dict[str, Any]:
    zero = "0001-01-01T00:00:00Z"
    ends = datetime.now(UTC).isoformat() if status == "resolved" else zero
    alerts = [
        {
            "status": status,
            "labels": {
                "alertname": "HighLatency",
                "service": "recommender",
                "severity": "warning",
                "instance": f"10.0.0.{i}:8080",
            },
            "annotations": {"summary": "p95 latency above 500ms", "latency_increase_pct": "0.8"},
            "startsAt": started.isoformat(),
            "endsAt": ends,
            "generatorURL": "http://prometheus.local/graph",
            "fingerprint": f"demo{i:012d}",
        }
        for i in range(2)
    ]
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighLatency"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "warroom",
        "groupLabels": {"alertname": "HighLatency"},
        "commonLabels": {"alertname": "HighLatency", "service": "recommender"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.local",
        "alerts": alerts,
    }


def send_alerts(client: httpx.Client, key: str) -> None:
    started = datetime.now(UTC) - timedelta(minutes=3)
    steps: list[tuple[str, str, dict[str, Any]]] = [
        (
            "generic alert: fraud-model error_rate 0.62",
            "/api/v1/alerts",
            {
                "name": "HighErrorRate",
                "service": "fraud-model",
                "summary": "62% of predictions fail",
                "metrics": {"error_rate": 0.62, "availability": 0.38},
            },
        ),
        (
            "the same alert again (a repeat: no new incident)",
            "/api/v1/alerts",
            {
                "name": "HighErrorRate",
                "service": "fraud-model",
                "metrics": {"error_rate": 0.64},
            },
        ),
        (
            "Alertmanager webhook: 2 x HighLatency on recommender",
            f"/api/v1/integrations/alertmanager?key={key}",
            _alertmanager_payload("firing", started),
        ),
        (
            "generic alert: churn-model accuracy_drop 0.12",
            "/api/v1/alerts",
            {
                "name": "AccuracyDrop",
                "service": "churn-model",
                "metrics": {"accuracy_drop": 0.12},
            },
        ),
        (
            "Alertmanager webhook: HighLatency resolved",
            f"/api/v1/integrations/alertmanager?key={key}",
            _alertmanager_payload("resolved", started),
        ),
    ]
    for label, path, body in steps:
        response = client.post(path, json=body)
        if response.status_code >= 400:
            raise WarroomError(f"{label}: HTTP {response.status_code} {response.text}")
        result = response.json()
        # A webhook answers once the batch is in the intake log; the JSON API once ingested.
        done = (
            f"queued as batch {result['batch']}"
            if result.get("queued")
            else f"opened {', '.join(result['incidents_opened']) or '-'}"
        )
        console.print(
            f"[green]→[/green] {label}: accepted {result['accepted']}, {done}", highlight=False
        )
    _wait_ingested(client)


def _wait_ingested(client: httpx.Client, timeout: float = 30) -> None:
    """Wait until the webhooks' batches are ingested (the intake log is empty), so that the
    incident table printed next shows them."""
    deadline = time.monotonic() + timeout
    while client.get("/api/v1/health").json()["intake_log"]["waiting"]:
        if time.monotonic() > deadline:
            raise WarroomError("the server did not ingest the webhook batches in time")
        time.sleep(0.05)
