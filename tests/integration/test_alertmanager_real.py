"""A real Prometheus Alertmanager (Debian package) delivers to a running warroom."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer, free_port
from warroom.config import Settings
from warroom.playbook.loader import default_playbook_text

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")

pytestmark = pytest.mark.skipif(
    BINARY is None and not os.environ.get("CI"),
    reason="prometheus-alertmanager is not installed (.ci/run installs it)",
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # This team's playbook resolves incidents once all their alerts have resolved.
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(
        default_playbook_text().replace("auto_resolve: false", "auto_resolve: true")
    )
    return Settings(
        home=tmp_path, database_url=database_url, sqlite_synchronous="NORMAL", playbook=playbook
    )


@pytest.fixture
def alertmanager(live_server: LiveServer, tmp_path: Path) -> Iterator[str]:
    assert BINARY, "prometheus-alertmanager must be installed in CI"
    key = live_server.integration("alertmanager", name="prod")
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        f"""
route:
  receiver: warroom
  group_by: [alertname, service]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: warroom
    webhook_configs:
      - url: {live_server.url}/api/v1/integrations/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: {key}
"""
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            BINARY,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ready(url), what="alertmanager ready", timeout=20)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(check: Callable[[], Any], *, what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _alerts(ends_at: datetime | None) -> list[dict[str, Any]]:
    start = datetime.now(UTC) - timedelta(minutes=2)
    common = {"startsAt": start.isoformat()}
    if ends_at:
        common["endsAt"] = ends_at.isoformat()
    return [
        {
            **common,
            "labels": {
                "alertname": "HighErrorRate",
                "service": "fraud-model",
                "severity": "critical",
                "instance": f"10.0.0.{i}:8080",
            },
            "annotations": {"summary": "errors", "error_rate": "0.7"},
        }
        for i in range(2)
    ] + [
        {
            **common,
            "labels": {"alertname": "HighLatency", "service": "recommender", "severity": "warning"},
            "annotations": {"summary": "slow"},
        }
    ]


def test_alertmanager_notifications_open_and_resolve_incidents(
    live_server: LiveServer, alertmanager: str
) -> None:
    r = httpx.post(f"{alertmanager}/api/v2/alerts", json=_alerts(None), timeout=30)
    assert r.status_code == 200, r.text
    api = live_server.client(live_server.viewer_token)

    def incidents() -> list[dict[str, Any]]:
        rows = api.get("/api/v1/incidents").json()
        return (
            rows
            if len(rows) == 2 and sum(len(_detail(api, i)["alerts"]) for i in rows) == 3
            else []
        )

    rows = {i["service"]: i for i in wait_for(incidents, what="two incidents from Alertmanager")}
    assert rows["fraud-model"]["severity"] == "P0"  # error_rate 0.7 > 0.5 beats severity=critical
    assert rows["recommender"]["severity"] == "P3"  # severity=warning, no metrics
    fraud = _detail(api, rows["fraud-model"])
    assert {a["source"] for a in fraud["alerts"]} == {"alertmanager"}
    assert {a["labels"]["instance"] for a in fraud["alerts"]} == {"10.0.0.0:8080", "10.0.0.1:8080"}

    r = httpx.post(f"{alertmanager}/api/v2/alerts", json=_alerts(datetime.now(UTC)), timeout=30)
    assert r.status_code == 200, r.text

    def resolved() -> bool:
        return all(_detail(api, i)["status"] == "resolved" for i in rows.values())

    wait_for(resolved, what="resolved notifications to resolve both incidents")
    fraud = _detail(api, rows["fraud-model"])
    assert {a["status"] for a in fraud["alerts"]} == {"resolved"}
    kinds = [e["kind"] for e in fraud["timeline"]]
    # Resolving enters the resolved phase: its verification checklist becomes tasks, and
    # those warroom can vouch for (the alerts resolved) are checked off at once.
    end = len(kinds)
    while end and kinds[end - 1] == "task":
        end -= 1
    assert kinds[end - 3 : end] == ["alerts_resolved", "status", "tasks"]
    assert end < len(kinds), "warroom checked off none of the resolved phase's tasks"
    assert fraud["timeline"][-1]["actor"] == "warroom"
    api.close()


def _detail(api: httpx.Client, incident: dict[str, Any]) -> dict[str, Any]:
    return api.get(f"/api/v1/incidents/{incident['id']}").json()
