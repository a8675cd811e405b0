"""Status updates, jobs, notifications and on-call over the HTTP API."""

from __future__ import annotations

from tests.conftest import LiveServer


def test_updates_jobs_and_oncall_over_http(live_server: LiveServer) -> None:
    responder = live_server.client(live_server.responder_token)
    viewer = live_server.client(live_server.viewer_token)
    sent = responder.post(
        "/api/v1/alerts",
        json={"name": "HighErrorRate", "service": "s", "metrics": {"error_rate": 0.7}},
    )
    [incident_id] = sent.json()["incidents_opened"]
    assert viewer.get(f"/api/v1/incidents/{incident_id}").json()["team"] == "backend"

    posted = responder.post(
        f"/api/v1/incidents/{incident_id}/updates",
        json={"status": "identified", "message": "bad model v2", "public": True},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["next_update_at"] is not None  # P0: 15 minutes later
    responder.post(
        f"/api/v1/incidents/{incident_id}/updates",
        json={"status": "identified", "message": "internal detail"},
    )
    assert (
        viewer.post(
            f"/api/v1/incidents/{incident_id}/updates",
            json={"status": "identified", "message": "x"},
        ).status_code
        == 403
    )
    public = viewer.get(f"/api/v1/incidents/{incident_id}/updates", params={"public": "true"})
    assert [u["message"] for u in public.json()] == ["bad model v2"]
    detail = viewer.get(f"/api/v1/incidents/{incident_id}").json()
    assert detail["status"] == "identified"
    assert [e["kind"] for e in detail["timeline"]].count("update") == 2

    jobs = viewer.get("/api/v1/jobs", params={"status": "pending"}).json()
    kinds = {j["kind"] for j in jobs}
    assert {"response.escalate", "response.ack_deadline", "updates.cadence"} <= kinds
    assert viewer.get("/api/v1/jobs", params={"status": "dead"}).json() == []
    oncall = viewer.get("/api/v1/oncall", params={"at": "2026-11-23T12:00:00Z"}).json()
    assert {
        "team": "backend",
        "role": "primary",
        "schedule": "backend-primary",
        "person": "alice",
    } in oncall
