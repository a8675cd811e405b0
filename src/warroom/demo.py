"""``warroom demo``: a real server on SQLite, real alerts over HTTP, the incidents they became.

The server runs as a separate ``warroom serve`` process in a temporary WARROOM_HOME; alerts go
in through the same endpoints Alertmanager, PagerDuty and scripts use.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from warroom.auth import service as auth
from warroom.bootstrap import bootstrap
from warroom.cli.common import console
from warroom.cli.render import incident_detail, incident_table
from warroom.config import Settings
from warroom.errors import WarroomError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _credentials(home: Path) -> tuple[str, str]:
    container = bootstrap(Settings(home=home), migrate=True)
    try:
        with container.db.session() as session:
            _, token = auth.create_token(
                session=session, name="demo", role="admin", actor="demo", now=container.clock()
            )
            _, key = auth.create_integration(
                session=session,
                kind="alertmanager",
                name="demo",
                actor="demo",
                now=container.clock(),
            )
    finally:
        container.close()
    return token, key


def _wait_ready(client: httpx.Client, server: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise WarroomError(f"warroom serve exited with code {server.returncode}")
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise WarroomError(f"warroom serve did not become ready within {timeout:.0f}s")


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


def _send_alerts(client: httpx.Client, key: str) -> None:
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
        opened = ", ".join(result["incidents_opened"]) or "-"
        console.print(
            f"[green]→[/green] {label}: accepted {result['accepted']}, opened {opened}",
            highlight=False,
        )


def run_demo(*, home: str | None, keep_running: bool, as_json: bool = False) -> dict[str, Any]:
    """Run the demo end to end; raise WarroomError when a step fails."""
    state = Path(home) if home else Path(tempfile.mkdtemp(prefix="warroom-demo-"))
    token, key = _credentials(state)
    port = free_port()
    env = {
        **os.environ,
        "WARROOM_HOME": str(state),
        "WARROOM_PORT": str(port),
        "WARROOM_LOG_LEVEL": "warning",
    }
    env.pop("WARROOM_DATABASE_URL", None)
    console.print(f"[bold]warroom demo[/bold]: state in {state}, server on port {port}")
    server = subprocess.Popen(
        [sys.executable, "-m", "warroom", "serve"], env=env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    summary: dict[str, Any] = {}
    try:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10
        ) as client:
            _wait_ready(client, server)
            _send_alerts(client, key)
            incidents = client.get("/api/v1/incidents").json()
            console.print(incident_table(incidents))
            worst = min(incidents, key=lambda i: i["severity"])
            incident_detail(console, client.get(f"/api/v1/incidents/{worst['id']}").json())
            summary = _model_story(client, state)
            if summary.get("incident_id"):
                detail = client.get(f"/api/v1/incidents/{summary['incident_id']}").json()
                incident_detail(console, detail)
        summary["home"] = str(state)
        summary["console"] = f"{base} (API token {token[:10]}…; full token in {state}/demo-token)"
        (state / "demo-token").write_text(token + "\n")
        (state / "demo-token").chmod(0o600)
        if keep_running:
            console.print(f"server left running at {base}; token in {state}/demo-token; Ctrl-C")
            server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait(timeout=10)
    return summary


def _model_story(client: httpx.Client, state: Path) -> dict[str, Any]:
    try:
        import sklearn  # noqa: F401  (the `demo` extra)
    except ImportError:
        console.print(
            "[yellow]scikit-learn is not installed: skipping the model story "
            "(pip install 'warroom[demo]')[/yellow]"
        )
        return {}
    from warroom import demo_story

    console.print("\n[bold]A model release goes bad[/bold]")
    try:
        return demo_story.run(client, state)
    except TimeoutError as exc:
        raise WarroomError(f"demo step failed: {exc}") from exc
