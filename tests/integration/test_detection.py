"""warroom's own detectors on live gateway traffic to a real scikit-learn model: each fault
raises the right alert and incident within seconds, and the alert resolves once healthy."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.conftest import LiveServer
from tests.support.models import Faulty, sample_rows, toward_malignant, train
from warroom.config import Settings
from warroom.playbook.loader import default_playbook_text

pytest.importorskip("sklearn")

PLAYBOOK_EXTRA = """
detection:
  interval: 200ms
  fast_window: 2s
  min_requests: 20
  min_labels: 30
  latency_confirm_window: 4s
  baseline_requests: 200
  baseline_labels: 200
  accuracy_window: 100
  drift: {window: 200, min_samples: 100}
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    text = default_playbook_text().replace(
        "  auto:\n    enabled: true", "  auto:\n    enabled: false"
    )
    path = tmp_path / "playbook.yaml"
    path.write_text(text + PLAYBOOK_EXTRA)
    return Settings(
        home=tmp_path,
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        gateway_snapshot_interval=0.5,
        playbook=path,
    )


class Traffic:
    """Requests with feedback (the true label) from a background thread."""

    def __init__(self, url: str, service: str):
        self.url, self.service = url, service
        self.rows, self.labels = sample_rows(2000, seed=3)
        self.transform: Callable[[np.ndarray], np.ndarray] = lambda x: x
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            i = 0
            while not self.stop.is_set():
                row = self.transform(self.rows[i % 2000])
                r = client.post(
                    f"/v1/models/{self.service}/predict", json={"features": row.tolist()}
                )
                if r.status_code == 200:
                    body = {
                        "request_id": r.json()["request_id"],
                        "label": int(self.labels[i % 2000]),
                    }
                    client.post(f"/v1/models/{self.service}/feedback", json=body)
                i += 1

    def __enter__(self) -> Traffic:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def wait(check: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def model_service(live_server: LiveServer, tmp_path: Path) -> Iterator[httpx.Client]:
    Faulty.model_path, Faulty.mode, Faulty._model = train(tmp_path / "m.joblib"), None, None
    api = live_server.client(live_server.responder_token)
    api.post("/api/v1/services", json={"name": "cancer"})
    api.post(
        "/api/v1/services/cancer/versions",
        json={"version": "v1", "artifact": str(Faulty.model_path)},
    )
    api.post("/api/v1/services/cancer/versions/v1/stable")
    yield api
    Faulty.mode = None
    api.close()


def detector_alerts(api: httpx.Client, status: str) -> dict[str, dict[str, Any]]:
    rows = api.get("/api/v1/alerts", params={"status": status, "limit": 200}).json()
    return {a["name"]: a for a in rows if a["source"] == "detector"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_fault_is_detected_then_clears(
    live_server: LiveServer, model_service: httpx.Client
) -> None:
    api = model_service
    with Traffic(live_server.url, "cancer") as traffic:
        # v1 serves until its baseline is captured; then v2 (same model, faults on demand).
        wait(lambda: api.get("/api/v1/services/cancer/baseline").status_code == 200, "baseline")
        body = {"version": "v2", "artifact": "tests.support.models:faulty", "weight": 100}
        assert api.post("/api/v1/services/cancer/versions", json=body).status_code == 201
        time.sleep(1.5)
        assert detector_alerts(api, "firing") == {}, "healthy traffic raised an alert"
        cases = [
            ("errors", "HighErrorRate", "P1", lambda x: x),
            ("latency", "HighLatency", None, lambda x: x),
            ("wrong", "HighPredictionErrorRate", None, lambda x: x),
            (None, "DriftDetected", None, toward_malignant),
        ]
        for mode, alert_name, severity, transform in cases:
            Faulty.mode, traffic.transform = mode, transform
            alert = wait(
                lambda n=alert_name: detector_alerts(api, "firing").get(n), f"{alert_name} firing"
            )
            assert alert["labels"]["version"] == "v2" and alert["incident_id"]
            if severity:  # repeats carry the full error rate and raise the severity
                url = f"/api/v1/incidents/{alert['incident_id']}"
                wait(lambda u=url, s=severity: api.get(u).json()["severity"] == s, severity)
            Faulty.mode, traffic.transform = None, lambda x: x
            wait(
                lambda n=alert_name: n not in detector_alerts(api, "firing"),
                f"{alert_name} to resolve",
            )
        # Drifted inputs also make wrong answers; once healthy, every alert clears.
        wait(lambda: detector_alerts(api, "firing") == {}, "every detector alert to clear")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_critical_drift_applies_seed_002_actions(
    live_server: LiveServer, model_service: httpx.Client
) -> None:
    api = model_service
    with Traffic(live_server.url, "cancer") as traffic:
        wait(lambda: api.get("/api/v1/services/cancer/baseline").status_code == 200, "baseline")
        body = {"version": "v2", "artifact": "tests.support.models:faulty", "weight": 100}
        api.post("/api/v1/services/cancer/versions", json=body)
        traffic.transform = lambda x: toward_malignant(x, amount=1.0)
        alert = wait(lambda: detector_alerts(api, "firing").get("DriftCritical"), "DriftCritical")
        assert alert["metrics"]["drift_score"] > 0.4
        url = f"/api/v1/incidents/{alert['incident_id']}"

        def mitigations() -> list[str]:
            timeline = api.get(url).json()["timeline"]
            return [e["data"]["action"] for e in timeline if e["kind"] == "mitigation"]

        done = wait(lambda: (lambda m: m if len(m) == 3 else None)(mitigations()), "3 actions")
        assert done == ["monitor", "lower_threshold", "human_review"]
        versions = {v["version"]: v for v in api.get("/api/v1/services/cancer/versions").json()}
        assert versions["v2"]["threshold"] == 0.35 and versions["v2"]["review_low_confidence"]
        # Inputs nearer the decision boundary: some answers are now unsure, and held.
        traffic.transform = lambda x: toward_malignant(x, amount=0.45)
        item = wait(lambda: next(iter(api.get("/api/v1/review").json()), None), "a held prediction")
        assert max(item["probability"], 1 - item["probability"]) < 0.6
        labelled = api.post(f"/api/v1/review/{item['id']}/label", json={"label": 0})
        assert labelled.status_code == 200 and labelled.json()["labelled_by"] == "token:responder"
        again = api.post(f"/api/v1/review/{item['id']}/label", json={"label": 1})
        assert again.status_code == 409
        assert mitigations() == done  # each action once
