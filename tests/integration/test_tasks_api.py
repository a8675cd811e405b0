"""Checklists as incident tasks through the HTTP API, with the shipped playbook's seeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import Clock, LiveServer

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _open(api: httpx.Client, name: str, **alert: Any) -> str:
    r = api.post("/api/v1/alerts", json={"name": name, "service": "fraud-model", **alert})
    assert r.status_code == 200, r.text
    (incident_id,) = r.json()["incidents_opened"]
    return str(incident_id)


def _tasks(api: httpx.Client, incident_id: str) -> list[dict[str, Any]]:
    r = api.get(f"/api/v1/incidents/{incident_id}/tasks")
    assert r.status_code == 200, r.text
    return list(r.json())


def _status(api: httpx.Client, incident_id: str, status: str) -> httpx.Response:
    return api.post(f"/api/v1/incidents/{incident_id}/status", json={"status": status})


def test_tasks_per_phase_checked_off_and_blocking_close(
    live_server: LiveServer, clock: Clock
) -> None:
    clock.set(T0)
    api = live_server.client(live_server.responder_token)
    viewer = live_server.client(live_server.viewer_token)
    iid = _open(api, "HighErrorRate", metrics={"error_rate": 0.7})  # P0 by Protocol 25
    opened = _tasks(viewer, iid)
    assert {t["phase"] for t in opened} == {"triggered"}
    assert [t["title"] for t in opened][0] == "Acknowledge the incident"
    assert sum(t["required"] for t in opened) == 5 and len(opened) == 6

    assert _status(api, iid, "investigating").status_code == 200
    investigating = [t for t in _tasks(api, iid) if t["phase"] == "investigating"]
    assert {t["checklist"] for t in investigating} == {"assessment", "war-room"}  # P0: war room

    human = opened[1]["id"]  # "Assess initial severity and impact": a person's judgement
    check = f"/api/v1/incidents/{iid}/tasks/{human}/check"
    assert viewer.post(check).status_code == 403
    clock.set(T0 + timedelta(minutes=5))
    done = api.post(check, json={"note": "P0 confirmed"})
    assert done.status_code == 200, done.text
    assert done.json()["checked_by"] == "token:responder"
    assert done.json()["checked_auto"] is False and done.json()["evidence"] == "P0 confirmed"
    assert datetime.fromisoformat(done.json()["checked_at"]) == T0 + timedelta(minutes=5)
    again = api.post(check)
    assert again.status_code == 409 and "already checked off by token:responder" in again.text
    undone = api.post(f"/api/v1/incidents/{iid}/tasks/{human}/uncheck")
    assert undone.status_code == 200 and undone.json()["checked_at"] is None
    assert undone.json()["evidence"] is None
    assert api.post(check).status_code == 200
    assert api.post(f"/api/v1/incidents/{iid}/tasks/99999/check").status_code == 404
    assert api.get("/api/v1/incidents/INC-19990101-000000/tasks").status_code == 404

    # Resolving is allowed with open tasks; it adds the skipped phases' and resolved's tasks.
    assert _status(api, iid, "resolved").status_code == 200
    every = _tasks(api, iid)
    phases = [t["phase"] for t in every]
    assert phases.count("monitoring") == 6 and phases.count("resolved") == 15
    auto = {t["title"] for t in every if t["checked_auto"]}
    # The person moving the incident on acknowledged it and began the investigation; the
    # incident is its own tracking record; its on-call was paged as it opened; resolving it
    # shows on the status page.
    assert auto == {
        "Acknowledge the incident",
        "Page appropriate team members",
        "Begin investigation and logging",
        "Create incident tracking ticket",
        "Update status page: mark incident as resolved",
    }
    refused = _status(api, iid, "closed")
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert f"incident {iid} cannot be closed: 25 required tasks are still open" in detail
    assert "#1 Acknowledge the incident" not in detail and f"#{human} " not in detail

    # Re-entering phases (reopen, resolve again) adds nothing twice.
    assert _status(api, iid, "investigating").status_code == 200
    assert _status(api, iid, "resolved").status_code == 200
    assert len(_tasks(api, iid)) == len(every)

    remaining = [t["id"] for t in _tasks(api, iid) if t["required"] and not t["checked_at"]]
    bulk = f"/api/v1/incidents/{iid}/tasks/check"
    assert viewer.post(bulk, json={"ids": remaining}).status_code == 403
    unknown = api.post(bulk, json={"ids": [*remaining, 99999]})
    assert unknown.status_code == 404 and "no task 99999" in unknown.text
    assert all(not t["checked_at"] for t in _tasks(api, iid) if t["id"] in remaining)
    assert api.post(bulk, json={"ids": []}).status_code == 422
    assert api.post(bulk, json={"ids": ["x"]}).status_code == 422
    ticked = api.post(bulk, json={"ids": [human, *remaining], "note": "reviewed"})
    assert ticked.status_code == 200, ticked.text
    assert not [t for t in ticked.json() if t["required"] and not t["checked_at"]]
    closed = _status(api, iid, "closed")
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed_at"] is not None
    late = api.post(f"/api/v1/incidents/{iid}/tasks/{opened[5]['id']}/check")
    assert late.status_code == 409 and "closed" in late.text

    timeline = closed.json()["timeline"]
    assert [e["kind"] for e in timeline].count("tasks") == 3  # opened, investigating, resolved
    checks = [e for e in timeline if e["kind"] == "task" and e["actor"] == "token:responder"]
    assert checks[0]["message"] == (
        f"Task #{human} checked off: Assess initial severity and impact (P0 confirmed)"
    )
    assert checks[1]["data"]["checked"] is False
    assert checks[-1]["message"].startswith(f"{len(remaining)} tasks checked off: ")
    admin = live_server.client(live_server.admin_token)
    audit = admin.get("/api/v1/audit", params={"target": iid, "limit": 1000}).json()
    checked = [a for a in audit if a["action"] == "incident.task_checked"]
    assert len(checked) == 2 + len(remaining) + len(auto)  # one per task, the human one twice
    assert "incident.task_unchecked" in [a["action"] for a in audit]


def test_closing_straight_away_owes_the_skipped_phases_checklists(
    live_server: LiveServer, clock: Clock
) -> None:
    clock.set(T0)
    api = live_server.client(live_server.responder_token)
    p2 = _open(api, "ModelSlow", severity="error")  # P2: initial response and closure apply
    refused = _status(api, p2, "closed")
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "#1 Acknowledge the incident" in detail
    assert "Update status page: mark incident as resolved (from closure, added on resolved)" in (
        detail
    )
    assert "move the incident to resolved first" in detail
    assert len(_tasks(api, p2)) == 6  # the refused close added nothing
    # P4 is informational: no checklist applies, so it closes at once.
    p4 = _open(api, "Heartbeat", severity="info")
    assert _tasks(api, p4) == []
    assert _status(api, p4, "closed").status_code == 200
