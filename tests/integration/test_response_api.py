"""Status updates, jobs, notifications and on-call over the HTTP API."""

from __future__ import annotations

import json

from icalendar import Calendar

from tests.conftest import LiveServer
from tests.integration.test_cli import run


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


def test_oncall_who_and_ics_over_http_and_cli(live_server: LiveServer) -> None:
    viewer = live_server.client(live_server.viewer_token)
    at = "2026-11-23T12:00:00Z"
    rows = viewer.get("/api/v1/oncall", params={"team": "backend", "at": at}).json()
    assert {(r["role"], r["person"]) for r in rows} == {("primary", "alice"), ("secondary", "bob")}
    assert viewer.get("/api/v1/oncall", params={"team": "nope"}).status_code == 404
    naive = viewer.get("/api/v1/oncall", params={"at": "2026-11-23T12:00:00"})
    assert naive.status_code == 422 and "offset" in naive.text

    start = "2026-11-20T00:00:00Z"  # the Monday 09:00 UTC handoff on the 23rd is inside
    ics = viewer.get("/api/v1/oncall/backend/schedule.ics", params={"start": start, "days": 7})
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    events = [
        (str(e["summary"]), e.decoded("dtstart").isoformat())
        for e in Calendar.from_ical(ics.content).walk("VEVENT")
    ]
    assert ("backend primary on call: alice", "2026-11-23T09:00:00+00:00") in events
    assert ("backend primary on call: bob", "2026-11-20T00:00:00+00:00") in events
    assert viewer.get("/api/v1/oncall/nope/schedule.ics").status_code == 404
    assert live_server.client().get("/api/v1/oncall/backend/schedule.ics").status_code == 401

    who = run(live_server, "oncall", "who", "--team", "backend", "--at", at, "--json")
    assert who.returncode == 0, who.stderr
    assert {r["person"] for r in json.loads(who.stdout)} == {"alice", "bob"}
    export = run(live_server, "oncall", "export", "--team", "backend", "--start", start)
    assert export.returncode == 0, export.stderr
    cli_events = Calendar.from_ical(export.stdout.encode()).walk("VEVENT")
    assert len(cli_events) == 2 * 5  # 28 days hold four Monday handoffs: 5 shifts per role
    bad = run(live_server, "oncall", "export", "--team", "nope")
    assert bad.returncode != 0 and "teams: backend" in bad.stderr + bad.stdout
