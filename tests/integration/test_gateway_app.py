"""The gateway's predict endpoint (answered in front of the API app) and `warroom gateway`
serving the gateway alone in its own process, following registry changes made through
`warroom serve`'s API on the same database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import LiveServer, free_port
from tests.support.models import sample_rows, train
from tests.support.ready import wait_ready
from warroom.samples.models import MetricSample

pytest.importorskip("sklearn")


def register(api: httpx.Client, tmp_path: Path, *versions: str) -> list[float]:
    api.post("/api/v1/services", json={"name": "loans"}).raise_for_status()
    for seed, version in enumerate(versions):
        artifact = train(tmp_path / f"{version}.joblib", seed=seed)
        body = {"version": version, "artifact": str(artifact)}
        api.post("/api/v1/services/loans/versions", json=body).raise_for_status()
    rows, _ = sample_rows(1)
    return [float(x) for x in rows[0]]


def test_predict_answers_and_validates(live_server: LiveServer, tmp_path: Path) -> None:
    admin = live_server.client(live_server.admin_token)
    features = register(admin, tmp_path, "v1")
    anonymous = live_server.client()
    ok = anonymous.post("/v1/models/loans/predict", json={"features": features})
    assert ok.status_code == 200, ok.text
    answer = ok.json()
    assert answer["version"] == "v1" and answer["prediction"] in (0, 1)
    assert 0.0 <= answer["probability"] <= 1.0
    bad = {
        "extra key": {"features": features, "debug": True},
        "empty": {"features": []},
        "not numbers": {"features": ["a"]},
    }
    for reason, body in bad.items():
        r = anonymous.post("/v1/models/loans/predict", json=body)
        assert r.status_code == 422, reason
        assert r.json()["detail"][0]["loc"][0] == "body", reason
    nan = anonymous.post(
        "/v1/models/loans/predict",
        content=b'{"features": [NaN, 1.0]}',
        headers={"content-type": "application/json"},
    )
    assert nan.status_code == 422
    assert anonymous.post("/v1/models/loans/predict", content=b"{").status_code == 422
    unknown = anonymous.post("/v1/models/nope/predict", json={"features": features})
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    wrong_method = anonymous.get("/v1/models/loans/predict")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    # Feedback and the admin interface still go through the API app.
    fb = anonymous.post(
        "/v1/models/loans/feedback", json={"request_id": answer["request_id"], "label": 1}
    )
    assert fb.status_code == 200 and fb.json()["version"] == "v1"
    metrics = anonymous.get("/metrics").text
    assert 'warroom_model_requests_total{service="loans",version="v1"} 1.0' in metrics
    # The endpoint sits in front of the app without hiding its lifespan: the registry sync
    # runs and writes the version's per-second samples.
    deadline = time.monotonic() + 15
    while not gateway_samples(live_server, "v1"):
        assert time.monotonic() < deadline, "no gateway samples: the app's lifespan did not run"
        time.sleep(0.1)


def gateway_samples(live_server: LiveServer, version: str) -> list[MetricSample]:
    with live_server.container.db.read() as session:
        query = select(MetricSample).where(
            MetricSample.source == "gateway", MetricSample.version == version
        )
        return list(session.scalars(query))


@pytest.fixture
def gateway_process(live_server: LiveServer, tmp_path: Path) -> Iterator[str]:
    settings = live_server.container.settings
    port = free_port()
    env = {
        **os.environ,
        "WARROOM_HOME": str(tmp_path / "gateway-home"),
        "WARROOM_DATABASE_URL": settings.database_url,
        "WARROOM_PLAYBOOK": str(settings.playbook or ""),
        "WARROOM_PORT": str(port),
        "WARROOM_GATEWAY_SYNC_INTERVAL": "0.05",
        "WARROOM_LOG_LEVEL": "warning",
    }
    if not settings.playbook:
        env.pop("WARROOM_PLAYBOOK")
    proc = subprocess.Popen([sys.executable, "-m", "warroom", "gateway"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/readyz", what="warroom gateway", proc=proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_warroom_gateway_serves_alone_and_follows_the_registry(
    live_server: LiveServer, gateway_process: str, tmp_path: Path
) -> None:
    admin = live_server.client(live_server.admin_token)
    features = register(admin, tmp_path, "v1", "v2")
    admin.put(
        "/v1/admin/services/loans/weights", json={"weights": {"v1": 0, "v2": 100}}
    ).raise_for_status()
    with httpx.Client(base_url=gateway_process, timeout=10) as gw:

        def version() -> str | None:
            r = gw.post("/v1/models/loans/predict", json={"features": features})
            # 409 while the new process is still loading the model that now takes traffic.
            assert r.status_code in (200, 409), r.text
            return str(r.json()["version"]) if r.status_code == 200 else None

        deadline = time.monotonic() + 15
        while version() != "v2":  # the change was made through the other process
            assert time.monotonic() < deadline, "the gateway did not follow the registry"
            time.sleep(0.05)
        assert gw.get("/api/v1/incidents").status_code == 404  # the gateway alone
        assert "warroom_model_requests_total" in gw.get("/metrics").text
        assert gw.get("/v1/admin/services/loans").status_code == 401  # admin needs a token
        state = gw.get(
            "/v1/admin/services/loans",
            headers={"Authorization": f"Bearer {live_server.admin_token}"},
        )
        assert state.json()["weights"] == {"v2": 100.0}
