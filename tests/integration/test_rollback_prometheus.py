"""Rollback verification through PromQL, against a real Prometheus scraping warroom."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer, free_port
from tests.integration.test_rollback import Traffic, wait_final
from tests.support.models import train
from tests.support.ready import wait_ready
from warroom.config import Settings
from warroom.playbook.loader import default_playbook_text

BINARY = shutil.which("prometheus")
pytestmark = pytest.mark.skipif(
    BINARY is None and not os.environ.get("CI"),
    reason="prometheus is not installed (.ci/run installs it)",
)
PROM_PORT = free_port()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    text = (
        default_playbook_text()
        .replace(
            "    source: gateway ",
            f"    prometheus_url: http://127.0.0.1:{PROM_PORT}\n    source: prometheus ",
        )
        .replace("    window: 10s ", "    window: 4s ")
        .replace("    min_requests: 50 ", "    min_requests: 10 ")
    )
    path = tmp_path / "playbook.yaml"
    path.write_text(text + "\ndetection:\n  enabled: false\n")
    return Settings(
        home=tmp_path,
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        playbook=path,
        rollback_scan_interval=0.2,
    )


@pytest.fixture
def prometheus(live_server: LiveServer, tmp_path: Path) -> Iterator[str]:
    assert BINARY, "prometheus must be installed in CI"
    target = live_server.url.removeprefix("http://")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"scrape_configs:\n  - job_name: warroom\n    static_configs:\n"
        f"      - targets: ['{target}']\n"
    )
    proc = subprocess.Popen(
        [
            BINARY,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{PROM_PORT}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{PROM_PORT}"
    try:
        wait_ready(f"{url}/-/ready", what="prometheus")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_rollback_verified_through_promql(
    live_server: LiveServer, prometheus: str, tmp_path: Path
) -> None:
    api = live_server.client(live_server.responder_token)
    api.post("/api/v1/services", json={"name": "fraud"})
    model = str(train(tmp_path / "v1.joblib"))
    api.post("/api/v1/services/fraud/versions", json={"version": "v1", "artifact": model})
    api.post("/api/v1/services/fraud/versions/v1/stable")
    broken = {"version": "v2", "artifact": "tests.support.models:broken"}
    api.post("/api/v1/services/fraud/versions", json=broken)
    with Traffic(live_server.url, "fraud"):
        time.sleep(2.5)  # a few scrapes of the failing version first
        started = api.post("/api/v1/services/fraud/rollback", json={})
        assert started.status_code == 202, started.text
        rollback_id = started.json()["id"]
        rb = wait_final(api, rollback_id, timeout=60)
    assert rb["state"] == "succeeded", rb
    checks = {c["metric"]: c for c in rb["verification"]["checks"]}
    assert checks["error_rate"]["observed"] == 0  # availability is judged with it
    assert "availability" not in checks
    assert 0 < checks["latency_p95_ms"]["observed"] < 200
    assert rb["verification"]["requests"] >= 10
    # Prometheus really saw the failing version's errors before the rollback.
    q = 'sum(warroom_model_errors_total{service="fraud",version="v2"})'
    result = httpx.get(f"{prometheus}/api/v1/query", params={"query": q}, timeout=30).json()
    assert float(result["data"]["result"][0]["value"][1]) > 0
