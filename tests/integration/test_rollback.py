"""Verified rollback through the embedded gateway, with a real scikit-learn model."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Clock, LiveServer
from tests.support.models import sample_rows, train
from warroom.config import Settings
from warroom.deploy.models import FINAL_STATES
from warroom.playbook.loader import default_playbook_text

pytest.importorskip("sklearn")


def fast_playbook(
    tmp_path: Path,
    *,
    window: str = "1s",
    timeout: str = "120s",
    detection: bool = False,
    max_wait: str = "60s",
) -> Path:
    """The default playbook with a short verification window; warroom's own detectors are
    off unless asked for, so these tests decide when a rollback starts."""
    text = (
        default_playbook_text()
        .replace("    window: 10s ", f"    window: {window} ")
        .replace("    min_requests: 50 ", "    min_requests: 10 ")
        .replace("    max_wait: 60s ", f"    max_wait: {max_wait} ")
        .replace("  timeout: 120s", f"  timeout: {timeout}")
        # These tests check the rollback flow, not speed: a loaded CI machine must not turn
        # a verified rollback into a failed one on latency (errors still decide).
        .replace(
            '{metric: latency_p95_ms, op: "<", value: 200}',
            '{metric: latency_p95_ms, op: "<", value: 5000}',
        )
    )
    if not detection:
        text += "\ndetection:\n  enabled: false\n"
    path = tmp_path / "playbook.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def settings(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    marker = request.node.get_closest_marker("playbook")
    kwargs = marker.kwargs if marker else {}
    return Settings(
        home=tmp_path,
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        playbook=fast_playbook(tmp_path, **kwargs),
        gateway_snapshot_interval=0.2,
        rollback_scan_interval=0.2,
        rollback_poll_interval=0.05,
    )


class Traffic:
    """Steady prediction traffic from a background thread, recording which version answered."""

    def __init__(self, url: str, service: str):
        self.url, self.service = url, service
        self.answers: list[tuple[float, int, str | None]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.rows, _ = sample_rows(500)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            i = 0
            while not self.stop.is_set():
                body = {"features": self.rows[i % len(self.rows)].tolist()}
                try:
                    r = client.post(f"/v1/models/{self.service}/predict", json=body)
                except httpx.TransportError:  # the server went away (a crash test kills it)
                    self.answers.append((time.time(), 0, None))
                    time.sleep(0.05)
                    continue
                version = r.json().get("version") if r.status_code == 200 else None
                self.answers.append((time.time(), r.status_code, version))
                i += 1
                time.sleep(0.005)

    def __enter__(self) -> Traffic:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def wait_final(api: httpx.Client, rollback_id: int, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rb = api.get(f"/api/v1/rollbacks/{rollback_id}").json()
        if rb["state"] in FINAL_STATES:
            return rb
        time.sleep(0.05)
    raise AssertionError(f"rollback {rollback_id} did not finish: {rb}")


@pytest.fixture
def fraud(live_server: LiveServer, tmp_path: Path) -> Iterator[httpx.Client]:
    """Service `fraud`: v1 a real stable model, v2 a broken version taking all traffic."""
    model = train(tmp_path / "v1.joblib")
    api = live_server.client(live_server.responder_token)
    assert api.post("/api/v1/services", json={"name": "fraud"}).status_code == 201
    r = api.post("/api/v1/services/fraud/versions", json={"version": "v1", "artifact": str(model)})
    assert r.status_code == 201, r.text
    assert api.post("/api/v1/services/fraud/versions/v1/stable").status_code == 200
    v2 = {"version": "v2", "artifact": "tests.support.models:broken", "weight": 100}
    assert api.post("/api/v1/services/fraud/versions", json=v2).status_code == 201
    yield api
    api.close()


def test_rollback_switches_verifies_and_records(
    live_server: LiveServer, fraud: httpx.Client
) -> None:
    api = fraud
    # error_rate 0.2: a P1 below every auto-rollback condition, so a human rolls back.
    alert = {"name": "HighErrorRate", "service": "fraud", "metrics": {"error_rate": 0.2}}
    (incident_id,) = api.post("/api/v1/alerts", json=alert).json()["incidents_opened"]
    plan = api.post("/api/v1/services/fraud/rollback", json={"dry_run": True}).json()
    assert (plan["from_version"], plan["to_version"]) == ("v2", "v1")
    with Traffic(live_server.url, "fraud") as traffic:
        deadline = time.monotonic() + 60
        while not traffic.answers:  # v2 has answered (failed) before the rollback is asked
            assert time.monotonic() < deadline, "no prediction was answered"
            time.sleep(0.01)
        asked = time.time()
        r = api.post("/api/v1/services/fraud/rollback", json={"incident_id": incident_id})
        assert r.status_code == 202, r.text
        second = api.post("/api/v1/services/fraud/rollback", json={})
        assert second.status_code == 409 and "already in flight" in second.json()["detail"]
        rb = wait_final(api, r.json()["id"])
    assert rb["state"] == "succeeded", rb
    assert [s["step"] for s in rb["steps"]] == ["prepare", "switch", "retire"]
    assert rb["snapshot"]["weights"] == {"v2": 100.0}
    assert rb["verification"]["requests"] >= 10
    assert all(c["ok"] for c in rb["verification"]["checks"])
    before = [v for t, _, v in traffic.answers if t < asked]
    # Every gateway picks a registry change up within its sync interval (50 ms).
    switched = datetime.fromisoformat(rb["switched_at"]).timestamp()
    after = [(code, v) for t, code, v in traffic.answers if t > switched + 0.25]
    assert set(before) == {None}  # v2 failed every request (502)
    assert after and set(after) == {(200, "v1")}
    detail = api.get("/api/v1/services/fraud").json()
    versions = {v["version"]: v for v in detail["versions"]}
    assert detail["weights"] == {"v1": 100.0}
    assert versions["v2"]["state"] == "bad" and not versions["v2"]["enabled"]
    assert versions["v2"]["rolled_back_from"]
    kinds = [e["kind"] for e in api.get("/api/v1/services/fraud/history").json()]
    assert kinds[:2] == ["disable", "rollback"]
    incident = api.get(f"/api/v1/incidents/{incident_id}").json()
    assert incident["status"] == "monitoring"
    rollback_event = [e for e in incident["timeline"] if e["kind"] == "rollback"][0]
    assert rollback_event["data"]["state"] == "succeeded"
    assert rollback_event["data"]["to_version"] == "v1"
    # The version rolled back from is never chosen again.
    refused = api.post("/api/v1/services/fraud/rollback", json={})
    assert refused.status_code == 409


def test_no_stable_version_is_refused(
    live_server: LiveServer, tmp_path: Path, clock: Clock
) -> None:
    clock.set(datetime.now(UTC))  # a busy machine must not age version a between deploys
    api = live_server.client(live_server.responder_token)
    api.post("/api/v1/services", json={"name": "churn"})
    model = str(train(tmp_path / "m.joblib"))
    api.post("/api/v1/services/churn/versions", json={"version": "a", "artifact": model})
    api.post("/api/v1/services/churn/versions", json={"version": "b", "artifact": model})
    r = api.post("/api/v1/services/churn/rollback", json={})
    assert r.status_code == 409
    assert "no stable version of churn" in r.json()["detail"]
    assert "a: served 0:00:00" in r.json()["detail"]
    assert api.get("/api/v1/rollbacks").json() == []


def test_failed_verification_escalates(live_server: LiveServer, tmp_path: Path) -> None:
    api = live_server.client(live_server.responder_token)
    api.post("/api/v1/services", json={"name": "scorer"})
    for version in ("old", "new"):
        body = {"version": version, "artifact": "tests.support.models:broken"}
        api.post("/api/v1/services/scorer/versions", json=body)
    api.post("/api/v1/services/scorer/versions/old/stable")
    alert = {"name": "HighErrorRate", "service": "scorer", "metrics": {"error_rate": 0.2}}
    (incident_id,) = api.post("/api/v1/alerts", json=alert).json()["incidents_opened"]
    with Traffic(live_server.url, "scorer"):
        r = api.post("/api/v1/services/scorer/rollback", json={"incident_id": incident_id})
        rb = wait_final(api, r.json()["id"])
    assert rb["state"] == "failed"
    assert "verification failed: error_rate" in rb["reason"]
    incident = api.get(f"/api/v1/incidents/{incident_id}").json()
    assert incident["severity"] == "P0"  # raised from P1
    assert "escalation" in [e["kind"] for e in incident["timeline"]]


@pytest.mark.playbook(window="30s", timeout="1s")
def test_hard_timeout(live_server: LiveServer, fraud: httpx.Client) -> None:
    r = fraud.post("/api/v1/services/fraud/rollback", json={})
    rb = wait_final(fraud, r.json()["id"])
    assert rb["state"] == "timed_out"
    assert "hard timeout of 1s" in rb["reason"]
    assert 1 <= rb["duration_seconds"] < 10
    counts = Counter(r["state"] for r in fraud.get("/api/v1/rollbacks").json())
    assert counts == {"timed_out": 1}


def test_p0_rolls_back_automatically(live_server: LiveServer, fraud: httpx.Client) -> None:
    with Traffic(live_server.url, "fraud"):
        alert = {"name": "HighErrorRate", "service": "fraud", "metrics": {"error_rate": 0.97}}
        (incident_id,) = fraud.post("/api/v1/alerts", json=alert).json()["incidents_opened"]
        (started,) = fraud.get("/api/v1/rollbacks").json()
        rb = wait_final(fraud, started["id"])
    assert (rb["trigger"], rb["state"], rb["incident_id"]) == ("auto", "succeeded", incident_id)
    incident = fraud.get(f"/api/v1/incidents/{incident_id}").json()
    decisions = [e["data"] for e in incident["timeline"] if e["kind"] == "auto_rollback"]
    assert decisions[0]["decision"] == "rollback"
    assert "error_rate 0.97 > 0.5" in decisions[0]["reason"]
    assert incident["status"] == "monitoring"
    # A second P0 on the same service right after: the guard declines, with its reason. (A
    # ServiceDown would join the first incident: the playbook's availability family.)
    again = {"name": "LoadBalancerDown", "service": "fraud", "metrics": {"availability": 0.1}}
    (second,) = fraud.post("/api/v1/alerts", json=again).json()["incidents_opened"]
    timeline = fraud.get(f"/api/v1/incidents/{second}").json()["timeline"]
    (declined,) = [e["data"] for e in timeline if e["kind"] == "auto_rollback"]
    assert declined["decision"] == "decline" and "cooldown" in declined["reason"]
