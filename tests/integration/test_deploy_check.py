"""A version is checked before any traffic moves to it: refused with a 422 naming the field,
and the weights stay as they were."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer
from tests.integration.test_cli import run
from tests.support.models import sample_rows, train

pytest.importorskip("sklearn")


def unchanged(api: httpx.Client, service: str) -> None:
    detail = api.get(f"/api/v1/services/{service}").json()
    assert detail["weights"] == {"v1": 100.0}
    assert [v["version"] for v in detail["versions"]] == ["v1"]
    kinds = [e["kind"] for e in api.get(f"/api/v1/services/{service}/history").json()]
    assert kinds == ["deploy"]


def test_a_missing_artifact_is_refused_and_traffic_stays(
    live_server: LiveServer, tmp_path: Path
) -> None:
    model = str(train(tmp_path / "m.joblib"))
    assert run(live_server, "service", "create", "fraud").returncode == 0
    assert run(live_server, "deploy", "fraud", "v1", "--artifact", model).returncode == 0
    refused = run(live_server, "deploy", "fraud", "v3", "--artifact", "/nonexistent/model.joblib")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: 422 artifact: model file /nonexistent/model.joblib does not exist; v3 was not "
        "deployed and traffic is unchanged"
    )
    api = live_server.client(live_server.responder_token)
    unchanged(api, "fraud")
    for bad, field in (
        ({"artifact": "no_such_package.models:score"}, "artifact: cannot import"),
        ({"endpoint": "http://127.0.0.1:9/predict"}, "endpoint: http://127.0.0.1:9/predict does"),
        ({"artifact": ":score"}, "artifact: :score could not be loaded: ValueError"),
    ):
        r = api.post("/api/v1/services/fraud/versions", json={"version": "v4", **bad})
        assert r.status_code == 422, r.text
        assert r.json()["detail"].startswith(field), r.json()
    unchanged(api, "fraud")


def test_a_version_must_answer_the_services_probe(live_server: LiveServer, tmp_path: Path) -> None:
    model = str(train(tmp_path / "m.joblib"))
    rows, _ = sample_rows(1)
    api = live_server.client(live_server.responder_token)
    service = {"name": "fraud", "probe": rows[0].tolist()}
    assert api.post("/api/v1/services", json=service).status_code == 201
    r = api.post("/api/v1/services/fraud/versions", json={"version": "v1", "artifact": model})
    assert r.status_code == 201, r.text
    broken = {"version": "v2", "artifact": "tests.support.models:broken"}
    r = api.post("/api/v1/services/fraud/versions", json=broken)
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "artifact: the model does not answer the probe input (30 features): RuntimeError: "
        "feature 'mean radius' has unexpected dtype object; v2 was not deployed and traffic "
        "is unchanged"
    )
    # A probe given on the deploy replaces the service's: 3 features for a 30-feature model.
    short = {"version": "v2", "artifact": model, "probe": [1.0, 2.0, 3.0]}
    r = api.post("/api/v1/services/fraud/versions", json=short)
    assert r.status_code == 422 and "(3 features): ValueError: X has 3 features" in r.text
    unchanged(api, "fraud")
    good = {"version": "v2", "artifact": model, "weight": 10}
    assert api.post("/api/v1/services/fraud/versions", json=good).status_code == 201
    (event, *_) = api.get("/api/v1/services/fraud/history").json()
    assert event["details"] == {"checked": f"{model} answers the probe"}
