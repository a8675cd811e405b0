"""What warroom did, warroom checks off: an incident acknowledged, paged, updated and rolled
back (for real, through the gateway with a scikit-learn model) closes once people have
ticked only the tasks that need a person."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.integration.test_rollback import Traffic, fast_playbook, wait_final
from tests.support.models import train
from warroom.config import Settings
from warroom.worker.loop import Worker

pytest.importorskip("sklearn")

# The shipped playbook's required tasks of a P1 that need a person's judgement (or that
# nothing in this setup records: no chat room is configured, so no war room opens).
HUMAN = {
    "Assess initial severity and impact",
    "Open incident communication channel",
    "Confirm incident severity",
    "Implement war room",
    "System metrics are within normal ranges",
    "User-facing functionality works correctly",
    "Monitoring dashboards show healthy state",
    "Incident detected within SLA",
    "Appropriate severity assigned",
    "Service restored within target time",
    "Root cause identified",
    "Lessons learned documented",
}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path,
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        playbook=fast_playbook(tmp_path),
        gateway_snapshot_interval=0.2,
        rollback_scan_interval=0.2,
        rollback_poll_interval=0.05,
    )


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201, 202), response.text
    return response.json()


def _tasks(api: httpx.Client, incident_id: str) -> list[dict[str, Any]]:
    return list(_ok(api.get(f"/api/v1/incidents/{incident_id}/tasks")))


def test_what_warroom_did_is_checked_and_only_human_tasks_block_the_close(
    live_server: LiveServer, tmp_path: Path
) -> None:
    api = live_server.client(live_server.responder_token)
    _ok(api.post("/api/v1/services", json={"name": "fraud"}))
    model = str(train(tmp_path / "v1.joblib"))
    _ok(api.post("/api/v1/services/fraud/versions", json={"version": "v1", "artifact": model}))
    _ok(api.post("/api/v1/services/fraud/versions/v1/stable"))
    v2 = {"version": "v2", "artifact": "tests.support.models:broken", "weight": 100}
    _ok(api.post("/api/v1/services/fraud/versions", json=v2))

    # error_rate 0.2: a P1 that pages by escalation-chain and that people roll back.
    alert = {"name": "HighErrorRate", "service": "fraud", "metrics": {"error_rate": 0.2}}
    (iid,) = _ok(api.post("/api/v1/alerts", json=alert))["incidents_opened"]
    Worker(live_server.container).run_until_idle()  # the first escalation level pages
    page = {t["title"]: t for t in _tasks(api, iid)}["Page appropriate team members"]
    assert page["checked_by"] == "warroom" and page["checked_auto"] is True
    assert page["evidence"].startswith("Paged ")

    _ok(api.post(f"/api/v1/incidents/{iid}/acknowledge"))
    role = {"role": "incident_commander", "person": "alice"}
    _ok(api.post(f"/api/v1/incidents/{iid}/roles", json=role))
    update = {"status": "identified", "message": "v2 fails scoring", "public": True}
    _ok(api.post(f"/api/v1/incidents/{iid}/updates", json=update))
    with Traffic(live_server.url, "fraud"):
        started = _ok(api.post("/api/v1/services/fraud/rollback", json={"incident_id": iid}))
        assert wait_final(api, started["id"])["state"] == "succeeded"
    resolved_alert = {**alert, "status": "resolved"}
    _ok(api.post("/api/v1/alerts", json=resolved_alert))
    done = {"status": "resolved", "message": "Rolled back to v1", "public": True}
    _ok(api.post(f"/api/v1/incidents/{iid}/updates", json=done))
    _ok(api.post(f"/api/v1/incidents/{iid}/postmortem"))
    _ok(api.put(f"/api/v1/incidents/{iid}/postmortem", json={"status": "published"}))
    action = {"title": "Canary new versions", "owner": "carol"}
    _ok(api.post(f"/api/v1/incidents/{iid}/actions", json=action))

    refused = api.post(f"/api/v1/incidents/{iid}/status", json={"status": "closed"})
    assert refused.status_code == 409
    listed = set(re.findall(r"#\d+ ([^;]+)", refused.json()["detail"]))
    assert listed == HUMAN  # exactly the tasks that need a person

    tasks = _tasks(api, iid)
    auto = {t["title"]: t["evidence"] for t in tasks if t["checked_auto"]}
    assert {
        "Acknowledge the incident",
        "Page appropriate team members",
        "Establish incident command structure",
        "Begin stakeholder communication",
        "Error rates have returned to baseline",
        "All affected services are operational",
        "No related alerts are firing",
        "Mitigation actions executed",
        "Update status page: mark incident as resolved",
        "Notify stakeholders: send resolution notification",
        "Schedule post-incident review within 24-48 hours",
        "Postmortem completed within 24 hours",
        "Action items assigned with owners",
    } <= set(auto)
    assert "verified" in auto["Error rates have returned to baseline"]
    assert all(t["checked_by"] == "warroom" for t in tasks if t["checked_auto"])

    open_ids = [t["id"] for t in tasks if t["required"] and not t["checked_at"]]
    assert len(open_ids) == len(HUMAN)
    _ok(api.post(f"/api/v1/incidents/{iid}/tasks/check", json={"ids": open_ids}))
    closed = _ok(api.post(f"/api/v1/incidents/{iid}/status", json={"status": "closed"}))
    assert closed["status"] == "closed"
    checked_by_warroom = [
        e for e in closed["timeline"] if e["kind"] == "task" and e["actor"] == "warroom"
    ]
    assert checked_by_warroom and all(
        "Checked off by warroom" in e["message"] for e in checked_by_warroom
    )
    admin = live_server.client(live_server.admin_token)
    audit = _ok(admin.get("/api/v1/audit", params={"target": iid, "limit": 1000}))
    by_warroom = [
        a for a in audit if a["action"] == "incident.task_checked" and a["actor"] == "warroom"
    ]
    assert len(by_warroom) == len(auto)  # one audit event per task, with its evidence
    assert all(a["details"]["evidence"] for a in by_warroom)
