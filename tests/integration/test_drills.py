"""`warroom drill` against a live server with a real scikit-learn model, live traffic and the
worker: every scenario is detected, paged (the page says DRILL), acknowledged, rolled back
where the playbook says so, recovered, cleaned up and recorded as `drill.completed`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import LiveServer
from tests.support.models import sample_rows, train
from warroom.config import Settings
from warroom.playbook.loader import default_playbook_text
from warroom.worker.loop import Worker

pytest.importorskip("sklearn")

SERVICE = "scorer"


def drill_playbook(path: Path) -> Path:
    """The default playbook with windows a test can wait for."""
    book = yaml.safe_load(default_playbook_text())
    book["detection"] = {
        "interval": "200ms",
        "fast_window": "2s",
        "min_requests": 10,
        "min_labels": 30,
        # The absolute part of the latency line decides: a busy test machine may stall a
        # healthy model call by tens of ms, never by 200 (the drill adds 400 ms). Both
        # windows short, so that the slow calls soon dominate them however slow the traffic.
        "latency_min_increase_ms": 200,
        "latency_confirm_window": "4s",
        "accuracy_drop": 0.25,  # a 2 s window holds few labels: small drops are noise
        "drift": {"window": 200, "min_samples": 100},
    }
    auto = book["rollback"]["auto"]
    auto.update(cooldown="0s", max_per_hour=50)
    book["rollback"]["verification"].update(window="1s", min_requests=5)
    book["rollback"]["stability_window"] = "1h"  # the drill resolves its incident itself
    path.write_text(yaml.safe_dump(book, sort_keys=False))
    return path


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path,
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        playbook=drill_playbook(tmp_path / "playbook.yaml"),
        gateway_snapshot_interval=0.5,
        gateway_faults_enabled=True,
        worker_poll_interval=0.05,
    )


class Traffic:
    """The team's production traffic: requests with feedback from two threads."""

    def __init__(self, url: str):
        self.url = url
        self.rows, self.labels = sample_rows(2000, seed=5)
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(4)]

    def _run(self, offset: int) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            i = offset
            while not self.stop.is_set():
                r = client.post(
                    f"/v1/models/{SERVICE}/predict", json={"features": self.rows[i % 2000].tolist()}
                )
                if r.status_code == 200:
                    body = {
                        "request_id": r.json()["request_id"],
                        "label": int(self.labels[i % 2000]),
                    }
                    client.post(f"/v1/models/{SERVICE}/feedback", json=body)
                i += 4
                self.stop.wait(0.005)

    def __enter__(self) -> Traffic:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=10)


@pytest.fixture
def running(live_server: LiveServer, tmp_path: Path) -> Iterator[LiveServer]:
    """v1 serves and is vouched for (baseline captured), then v2 takes all traffic."""
    worker = Worker(live_server.container)
    worker.start()
    v1 = train(tmp_path / "v1.joblib")
    v2 = tmp_path / "v2.joblib"
    shutil.copyfile(v1, v2)
    api = live_server.client(live_server.admin_token)
    api.post("/api/v1/services", json={"name": SERVICE}).raise_for_status()
    deploy = {"version": "v1", "artifact": str(v1)}
    api.post(f"/api/v1/services/{SERVICE}/versions", json=deploy).raise_for_status()
    api.post(f"/api/v1/services/{SERVICE}/versions/v1/stable").raise_for_status()
    with Traffic(live_server.url):
        _until(lambda: api.get(f"/api/v1/services/{SERVICE}/baseline").status_code == 200)
        deploy = {"version": "v2", "artifact": str(v2), "weight": 100}
        api.post(f"/api/v1/services/{SERVICE}/versions", json=deploy).raise_for_status()
        yield live_server
    worker.stop()


def _until(check: Any, timeout: float = 60) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def drill(server: LiveServer, scenario: str, *extra: str) -> tuple[int, dict[str, Any], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "drill", scenario, "--url", server.url, "--json"]
        + ["--token", server.admin_token, "--auto-ack", *extra],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    lines = done.stdout.strip().splitlines()
    return done.returncode, json.loads(lines[-1]) if lines else {}, done.stderr


def stages(result: dict[str, Any]) -> dict[str, str]:
    return {s["name"]: s["status"] for s in result["stages"]}


EXPECTED = {
    # scenario: (rollback expected, severities it may end at)
    # A burst of 60 % errors (or a service answering nothing but errors) is P0 (> 50 %) once
    # the detector's window holds only the fault, and P1 before that; whether the drill's
    # page, acknowledgement and rollback end it before the window fills depends on how fast
    # the response is, so either is a pass.
    "error-burst": (True, ("P0", "P1")),
    "latency": (False, ("P1",)),  # with --delay-ms 400
    "model-not-loaded": (True, ("P0",)),
    "drift": (False, ("P2",)),
    "service-down": (True, ("P0", "P1")),
}


def test_every_scenario_is_detected_handled_cleaned_up_and_recorded(running: LiveServer) -> None:
    api = running.client(running.admin_token)
    for scenario, (rolls_back, severities) in EXPECTED.items():
        extra = ("--delay-ms", "400") if scenario == "latency" else ()
        code, result, err = drill(running, scenario, "--restore", *extra)
        assert code == 0, f"{scenario}: {err[-2000:]} {result}"
        assert "waiting for detection (up to" in err  # long waits show what they wait for
        assert result["passed"] is True and result["severity"] in severities, result
        expected = {
            "detection": "pass",
            "page": "pass",
            "acknowledgement": "pass",
            "rollback": "pass" if rolls_back else "n/a",
            "recovery": "pass",
        }
        assert stages(result) == expected, (scenario, result)
        assert result["incident_id"] in result["incident_ids"]
        for iid in result["incident_ids"]:  # an escalating fault may open more than one
            incident = api.get(f"/api/v1/incidents/{iid}").json()
            assert incident["labels"]["drill"] == "true" and incident["status"] == "resolved"
            pages = api.get("/api/v1/notifications", params={"incident_id": iid}).json()
            assert all(p["subject"].startswith("[DRILL]") for p in pages)
        pages = api.get(
            "/api/v1/notifications", params={"incident_id": result["incident_id"]}
        ).json()
        assert pages, "the drill's incident paged nobody"
        assert api.get("/v1/admin/faults").json()["faults"] == []
        weights = api.get(f"/api/v1/services/{SERVICE}").json()["weights"]
        assert weights == {"v2": 100.0}, (scenario, weights)  # --restore put v2 back
        assert result["cleanup"]["fault_cleared"]
        assert result["cleanup"]["incidents_resolved"] == result["incident_ids"]
        newest = api.get("/api/v1/audit", params={"action": "drill.completed", "limit": 1}).json()
        assert newest[0]["target"] == scenario and newest[0]["details"]["passed"] is True
        assert newest[0]["details"]["incident_id"] == result["incident_id"]


def test_without_restore_the_rollback_stays_and_faults_need_enabling(
    running: LiveServer, settings: Settings
) -> None:
    api = running.client(running.admin_token)
    code, result, err = drill(running, "service-down")
    assert code == 0, err[-2000:]
    assert result["cleanup"].get("traffic_restored", "missing") is None, json.dumps(result)
    assert api.get(f"/api/v1/services/{SERVICE}").json()["weights"] == {"v1": 100.0}
    # A viewer may not inject; with the setting off nobody may.
    viewer = running.client(running.viewer_token)
    assert (
        viewer.put(f"/v1/admin/services/{SERVICE}/fault", json={"kind": "latency"}).status_code
        == 403
    )
    bad = api.put(f"/v1/admin/services/{SERVICE}/fault", json={"kind": "meteor"})
    assert bad.status_code == 422
    unknown = api.put("/v1/admin/services/nope/fault", json={"kind": "latency"})
    assert unknown.status_code == 404 and "nope" in unknown.text
    code, _, err = drill(running, "meteor")
    assert code != 0 and "unknown scenario" in err
    running.container.settings.gateway_faults_enabled = False
    refused = api.put(f"/v1/admin/services/{SERVICE}/fault", json={"kind": "latency"})
    assert refused.status_code == 403 and "WARROOM_GATEWAY_FAULTS_ENABLED" in refused.text
    code, _, err = drill(running, "latency")
    assert code != 0 and "fault injection is disabled" in err
