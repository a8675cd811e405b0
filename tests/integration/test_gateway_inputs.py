"""The gateway under a client's mistakes and a stuck neighbour: wrong input is a 422 counted
apart (never an outage), and no model call runs on the event loop."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer
from tests.support.models import Gate, sample_rows, train
from warroom.api.predict import THREADS_PER_SERVICE

pytest.importorskip("sklearn")


def deploy(api: httpx.Client, service: str, artifact: str) -> None:
    assert api.post("/api/v1/services", json={"name": service}).status_code == 201
    body = {"version": "v1", "artifact": artifact}
    r = api.post(f"/api/v1/services/{service}/versions", json=body)
    assert r.status_code == 201, r.text


def test_wrong_input_is_the_clients_error_and_pages_nobody(
    live_server: LiveServer, tmp_path: Path
) -> None:
    api = live_server.client(live_server.responder_token)
    deploy(api, "fraud", str(train(tmp_path / "m.joblib")))
    rows, _ = sample_rows(5)
    client = live_server.client()
    ok = client.post("/v1/models/fraud/predict", json={"features": rows[0].tolist()})
    assert ok.status_code == 200, ok.text
    for _ in range(40):  # 3 features to a model trained on 30
        r = client.post("/v1/models/fraud/predict", json={"features": [1.0, 2.0, 3.0]})
        assert r.status_code == 422, r.text
        assert r.json()["detail"].startswith("model fraud v1 rejected the input: ValueError: X has")
    # What the detectors and rollback verification judge holds only the good request.
    stats = api.get("/v1/admin/services/fraud/stats").json()["versions"]["v1"]
    assert (stats["count"], stats["errors"]) == (1, 0)
    assert api.get("/v1/admin/services/fraud").json()["versions"]["v1"]["rejected_inputs"] == 40
    deadline = time.monotonic() + 30  # the gateway's next snapshot records the refusals
    while api.get("/api/v1/services/fraud").json()["rejected_inputs_24h"] != {"v1": 40}:
        assert time.monotonic() < deadline, "the rejected inputs never reached the service"
        time.sleep(0.05)
    metrics = client.get("/metrics").text
    assert 'warroom_model_rejected_inputs_total{service="fraud",version="v1"} 40.0' in metrics
    assert 'warroom_model_errors_total{service="fraud",version="v1"}' not in metrics
    assert api.get("/api/v1/incidents").json() == []
    assert api.get("/api/v1/notifications").json() == []


def test_a_stuck_model_does_not_hold_up_another_service(
    live_server: LiveServer, tmp_path: Path
) -> None:
    api = live_server.client(live_server.responder_token)
    deploy(api, "stuck", "tests.support.models:gate")
    deploy(api, "fast", str(train(tmp_path / "m.joblib")))
    rows, _ = sample_rows(1)
    Gate.reset()
    answers: list[int] = []

    def call_stuck() -> None:
        with httpx.Client(base_url=live_server.url, timeout=180) as c:
            answers.append(c.post("/v1/models/stuck/predict", json={"features": [1.0]}).status_code)

    # More calls than anyio's whole default thread pool (40): the stuck service may hold
    # only its own share of threads.
    callers = [threading.Thread(target=call_stuck) for _ in range(45)]
    try:
        for t in callers:
            t.start()
        assert Gate.wait_for(THREADS_PER_SERVICE), f"only {Gate.waiting} calls reached the model"
        with httpx.Client(base_url=live_server.url, timeout=60) as c:
            fast = c.post("/v1/models/fast/predict", json={"features": rows[0].tolist()})
        assert fast.status_code == 200, fast.text
        assert answers == []  # every stuck call is still held at the gate
    finally:
        Gate.opened.set()
        for t in callers:
            t.join(timeout=120)
    assert answers == [200] * 45
