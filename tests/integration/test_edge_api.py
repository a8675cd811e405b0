"""The issue's hand-reproduced 5xx cases, each as its own check, and who may see faults."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from tests.conftest import LiveServer

README = Path(__file__).resolve().parents[2] / "README.md"


def _incident(api: object, server: LiveServer) -> str:
    client = server.client(server.admin_token)
    ingested = client.post("/api/v1/alerts", json={"name": "Edge", "severity": "critical"})
    alert = client.get(f"/api/v1/alerts/{ingested.json()['alert_ids'][0]}").json()
    return str(alert["incident_id"])


def test_the_issues_cases_get_a_4xx_naming_the_field(live_server: LiveServer) -> None:
    api = live_server.client(live_server.admin_token)
    incident_id = _incident(api, live_server)
    big = "99999999999999999999"
    for path in (
        f"/api/v1/alerts/{big}",
        f"/api/v1/rollbacks/{big}",
    ):
        answer = api.get(path)
        assert answer.status_code == 422 and "less than or equal" in answer.text, answer.text
    for path in (f"/api/v1/jobs/{big}/retry", f"/api/v1/silences/{big}/expire"):
        assert api.post(path).status_code == 422
    assert api.post(f"/api/v1/incidents/{incident_id}/tasks/{big}/check").status_code == 422
    assert api.post(f"/api/v1/review/{big}/label", json={"label": 1}).status_code == 422
    assert api.post("/api/v1/drills/restore", json={"rollback_id": int(big)}).status_code == 422
    action = api.post(f"/api/v1/incidents/{incident_id}/actions", json={"title": "t"}).json()
    nulled = api.patch(f"/api/v1/actions/{action['id']}", json={"priority": None})
    assert nulled.status_code == 422 and nulled.json()["detail"][0]["loc"] == ["body", "priority"]
    assert api.patch(f"/api/v1/actions/{action['id']}", json={"owner": None}).status_code == 200
    steps = api.post(f"/api/v1/incidents/{incident_id}/diagnostics", json={"steps": True})
    assert steps.status_code == 422 and steps.json()["detail"][0]["loc"][:2] == ["body", "steps"]
    nan = api.post("/api/v1/services", content=b'{"name": "x", "backend_config": {"a": NaN}}')
    assert nan.status_code == 422 and "JSON" in nan.text
    wide = api.post(
        "/api/v1/services", content=f'{{"name": "x", "backend_config": {{"n": {big}}}}}'
    )
    assert wide.json()["detail"][0]["loc"] == ["body", "backend_config", "n"], wide.text
    nul = api.get("/api/v1/incidents", params={"service": "a\x00b"})
    assert nul.status_code == 422 and nul.json()["detail"][0]["loc"] == ["query", "service"]


def test_a_baseline_needs_a_version(live_server: LiveServer) -> None:
    api = live_server.client(live_server.admin_token)
    assert api.post("/api/v1/services", json={"name": "bare"}).status_code == 201
    answer = api.post("/api/v1/services/bare/baseline")
    assert answer.status_code == 409 and "no versions" in answer.text


def test_overflowing_times_and_long_labels_are_refused_naming_them(
    live_server: LiveServer,
) -> None:
    key = live_server.integration("alertmanager")
    api = live_server.client()
    alert = {"status": "firing", "labels": {"alertname": "A"}, "startsAt": "2026-01-01T00:00:00Z"}
    late = {**alert, "startsAt": "9999-12-31T23:59:59-23:59"}
    long = {**alert, "labels": {"alertname": "B", "service": "s" * 201}}
    url = f"/api/v1/integrations/alertmanager?key={key}"
    answer = api.post(url, json={"status": "firing", "alerts": [alert, late]})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["body", "alerts", 1, "startsAt"]
    answer = api.post(url, json={"status": "firing", "alerts": [alert, long]})
    assert answer.status_code == 422 and "alerts.1: service" in answer.text, answer.text
    assert live_server.client(live_server.viewer_token).get("/api/v1/alerts").json() == []


def test_webhooks_answer_without_deprecation_warnings(live_server: LiveServer) -> None:
    key = live_server.integration("alertmanager")
    alert = {"status": "firing", "labels": {"alertname": "W"}, "startsAt": "2026-01-01T00:00:00Z"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answer = live_server.client().post(
            f"/api/v1/integrations/alertmanager?key={key}",
            json={"status": "firing", "alerts": [alert]},
        )
    assert answer.status_code == 202, answer.text
    assert [w for w in caught if "deprecated" in str(w.message)] == []


def test_faults_are_listed_for_viewers_and_changed_by_admins(live_server: LiveServer) -> None:
    viewer = live_server.client(live_server.viewer_token)
    responder = live_server.client(live_server.responder_token)
    assert viewer.get("/v1/admin/faults").status_code == 200
    assert live_server.client().get("/v1/admin/faults").status_code == 401
    for client in (viewer, responder):
        assert client.put("/v1/admin/services/s/fault", json={"kind": "latency"}).status_code == 403
        assert client.delete("/v1/admin/services/s/fault").status_code == 403
    # The README's table says the same.
    rows = re.findall(r"^\| (`[^|]*/faults?`[^|]*) \| (\w+) \|$", README.read_text(), re.M)
    assert [(path.split("`")[1], role) for path, role in rows] == [
        ("GET /v1/admin/faults", "viewer"),
        ("PUT /v1/admin/services/{s}/fault", "admin"),
    ]
