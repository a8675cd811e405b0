"""Alerts become incidents through the real HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import LiveServer, find_shared
from warroom.alerts.models import Alert
from warroom.audit.models import AuditEvent
from warroom.auth import service as auth
from warroom.auth.service import KnownKeys, KnownTokens
from warroom.errors import AuthError


def _fixture(name: str) -> dict:
    path = find_shared("fixtures")
    if path is None:
        pytest.skip("shared/fixtures not found beside the repository")
    return json.loads((path / name).read_text())


def _incident_ids(server: LiveServer) -> list[str]:
    with server.client(server.viewer_token) as api:
        return [i["id"] for i in api.get("/api/v1/incidents").json()]


def _alert_count(server: LiveServer) -> int:
    with server.container.db.read() as session:
        return session.scalar(select(func.count()).select_from(Alert)) or 0


def test_generic_alert_opens_classified_incident(live_server: LiveServer) -> None:
    with live_server.client(live_server.responder_token) as api:
        r = api.post(
            "/api/v1/alerts",
            json={
                "name": "HighErrorRate",
                "service": "fraud-model",
                "metrics": {"error_rate": 0.6},
            },
        )
        assert r.status_code == 200, r.text
        opened = r.json()["incidents_opened"]
        assert len(opened) == 1
        incident = api.get(f"/api/v1/incidents/{opened[0]}").json()
    assert incident["severity"] == "P0"
    assert incident["status"] == "triggered"
    assert incident["service"] == "fraud-model"
    assert incident["id"].startswith("INC-")
    # Paged in the opening transaction, which checks off the checklist's paging task.
    kinds = [e["kind"] for e in incident["timeline"]]
    assert kinds == ["opened", "tasks", "routed", "page", "task"]
    assert "error_rate" in " ".join(incident["timeline"][0]["data"]["reasons"])
    assert len(incident["alerts"]) == 1


def test_repeat_updates_alert_and_grouping_joins_incident(live_server: LiveServer) -> None:
    with live_server.client(live_server.responder_token) as api:
        first = api.post("/api/v1/alerts", json={"name": "HighLatency", "service": "svc"}).json()
        again = api.post(
            "/api/v1/alerts",
            json={
                "name": "HighLatency",
                "service": "svc",
                "metrics": {"latency_increase_pct": 2.5},
            },
        ).json()
        other = api.post(
            "/api/v1/alerts",
            json={"name": "HighLatency", "service": "svc", "labels": {"instance": "b"}},
        ).json()
        elsewhere = api.post("/api/v1/alerts", json={"name": "HighLatency", "service": "x"}).json()
        incident_id = first["incidents_opened"][0]
        incident = api.get(f"/api/v1/incidents/{incident_id}").json()
    assert again["incidents_opened"] == [] and again["updated"] == 1
    assert again["alert_ids"] == first["alert_ids"]
    assert other["incidents_opened"] == [] and other["incidents_updated"] == [incident_id]
    assert elsewhere["incidents_opened"] and elsewhere["incidents_opened"][0] != incident_id
    # The repeat carried worse metrics: severity raised by the classifier, with the reason.
    assert incident["severity"] == "P1"
    kinds = [e["kind"] for e in incident["timeline"]]
    # P3 → P1: paged now, in the transaction that raised it.
    assert kinds == ["opened", "routed", "severity", "routed", "page", "alert"]
    assert len(incident["alerts"]) == 2


def test_alertmanager_fixture_round_trip(live_server: LiveServer) -> None:
    key = live_server.integration("alertmanager")
    firing = _fixture("alertmanager-0.25-webhook-firing.json")
    resolved = _fixture("alertmanager-0.25-webhook-resolved.json")
    with live_server.client() as api:
        r = api.post(f"/api/v1/integrations/alertmanager?key={key}", json=firing)
        assert r.status_code == 202, r.text
        assert r.json()["queued"] is True and r.json()["accepted"] == len(firing["alerts"])
        live_server.drain()
        (incident_id,) = _incident_ids(live_server)
        r = api.post(
            "/api/v1/integrations/alertmanager",
            json=resolved,
            headers={"Authorization": f"Bearer {key}"},
        )
        assert r.status_code == 202, r.text
        live_server.drain()
    with live_server.client(live_server.viewer_token) as api:
        incident = api.get(f"/api/v1/incidents/{incident_id}").json()
    assert incident["severity"] == "P1"  # severity=critical maps to P1 in the default playbook
    assert {a["status"] for a in incident["alerts"]} == {"resolved"}
    assert incident["timeline"][-1]["kind"] == "alerts_resolved"
    assert incident["status"] == "triggered"  # default playbook does not auto-resolve


def test_pagerduty_trigger_acknowledge_resolve(live_server: LiveServer) -> None:
    key = live_server.integration("pagerduty")
    event = {
        "routing_key": key,
        "event_action": "trigger",
        "payload": {
            "summary": "Model endpoint down",
            "source": "fraud-model",
            "severity": "critical",
            "custom_details": {"availability": 0.2},
        },
    }
    with live_server.client() as api:
        r = api.post("/api/v1/integrations/pagerduty", json=event)
        assert r.status_code == 202, r.text
        dedup_key = r.json()["dedup_key"]
        live_server.drain()
        (incident_id,) = _incident_ids(live_server)
        ack = {"routing_key": key, "event_action": "acknowledge", "dedup_key": dedup_key}
        assert api.post("/api/v1/integrations/pagerduty", json=ack).status_code == 202
        done = {"routing_key": key, "event_action": "resolve", "dedup_key": dedup_key}
        assert api.post("/api/v1/integrations/pagerduty", json=done).status_code == 202
        live_server.drain()
    with live_server.client(live_server.viewer_token) as api:
        incident = api.get(f"/api/v1/incidents/{incident_id}").json()
    assert incident["severity"] == "P0"
    assert incident["status"] == "acknowledged"
    assert incident["acknowledged_at"] is not None
    assert incident["alerts"][0]["status"] == "resolved"


def test_batch_is_one_transaction(live_server: LiveServer) -> None:
    key = live_server.integration("alertmanager")
    payload = _fixture("alertmanager-0.25-webhook-firing.json")
    payload["alerts"].append({**payload["alerts"][0], "startsAt": "not a time"})
    with live_server.client() as api:
        r = api.post(f"/api/v1/integrations/alertmanager?key={key}", json=payload)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:3] == ["body", "alerts", 2]
    assert _alert_count(live_server) == 0


def test_silence_keeps_alert_but_opens_nothing(live_server: LiveServer) -> None:
    with live_server.client(live_server.responder_token) as api:
        s = api.post(
            "/api/v1/silences",
            json={
                "matchers": [{"name": "service", "value": "batch-.*", "op": "=~"}],
                "duration_minutes": 30,
                "comment": "planned maintenance",
            },
        )
        assert s.status_code == 201, s.text
        r = api.post("/api/v1/alerts", json={"name": "ServiceDown", "service": "batch-scorer"})
        assert r.json()["silenced"] == 1 and r.json()["incidents_opened"] == []
        alert = api.get(f"/api/v1/alerts/{r.json()['alert_ids'][0]}").json()
        assert alert["silence_id"] == s.json()["id"]
        assert api.post(f"/api/v1/silences/{s.json()['id']}/expire").status_code == 200
        # The next notification after the silence ended opens the incident.
        r = api.post("/api/v1/alerts", json={"name": "ServiceDown", "service": "batch-scorer"})
        assert r.json()["silenced"] == 0 and len(r.json()["incidents_opened"]) == 1
        listed = api.get("/api/v1/silences", params={"include_expired": True}).json()
    assert listed[0]["active"] is False


def test_lifecycle_roles_notes_severity_and_audit(live_server: LiveServer) -> None:
    with live_server.client(live_server.responder_token) as api:
        r = api.post("/api/v1/alerts", json={"name": "DriftDetected", "service": "img"})
        (iid,) = r.json()["incidents_opened"]
        first = api.post(f"/api/v1/incidents/{iid}/acknowledge")
        assert first.status_code == 200
        # A second acknowledgement (a double click) is a no-op with the current state.
        again = api.post(f"/api/v1/incidents/{iid}/acknowledge")
        assert again.status_code == 200 and again.json() == first.json()
        stranger = {"role": "incident_commander", "person": "alcie"}
        refused = api.post(f"/api/v1/incidents/{iid}/roles", json=stranger)
        assert refused.status_code == 422 and "'alcie' is not in the playbook" in refused.text
        role = {"role": "incident_commander", "person": "alice"}
        assert api.post(f"/api/v1/incidents/{iid}/roles", json=role).status_code == 201
        role = {"role": "incident_commander", "person": "bob"}
        assert api.post(f"/api/v1/incidents/{iid}/roles", json=role).status_code == 201
        sev = {"severity": "P2", "reason": "drift on 30% of traffic"}
        assert api.post(f"/api/v1/incidents/{iid}/severity", json=sev).status_code == 200
        note = {"message": "looking at the new image generator traffic"}
        assert api.post(f"/api/v1/incidents/{iid}/notes", json=note).status_code == 201
        back = api.post(f"/api/v1/incidents/{iid}/status", json={"status": "triggered"})
        assert back.status_code == 409 and "only a resolved incident" in back.json()["detail"]
        done = api.post(f"/api/v1/incidents/{iid}/status", json={"status": "resolved"}).json()
        assert done["resolved_at"] is not None
        reopen = api.post(f"/api/v1/incidents/{iid}/status", json={"status": "investigating"})
        assert reopen.status_code == 200 and reopen.json()["resolved_at"] is None
    roles = {(r["person"], r["renounced_at"] is None) for r in reopen.json()["roles"]}
    assert roles == {("alice", False), ("bob", True)}
    kinds = [e["kind"] for e in reopen.json()["timeline"]]
    assert kinds == [
        "opened",
        "routed",
        "status",
        "role",
        "role",
        "severity",
        "note",
        "status",
        "tasks",  # now P2: the checklists of the phases entered (reopening adds none twice)
        "task",  # warroom checks those the record shows done (commander, status page, ...)
        "reopened",
    ]
    assert all(e["actor"] for e in reopen.json()["timeline"])
    with live_server.client(live_server.admin_token) as api:
        audit = api.get("/api/v1/audit", params={"target": iid}).json()
    actions = sorted(a["action"] for a in audit)
    assert actions.count("incident.status") == 3 and "incident.note" in actions
    assert {a["actor"] for a in audit} == {"token:responder", "warroom"}
    assert {a["action"] for a in audit if a["actor"] == "warroom"} == {"incident.task_checked"}


def test_auth_roles_and_errors(live_server: LiveServer) -> None:
    alert = {"name": "X", "service": "y"}
    with live_server.client() as anon:
        assert anon.post("/api/v1/alerts", json=alert).status_code == 401
        assert anon.get("/api/v1/incidents").status_code == 401
        r = anon.post("/api/v1/integrations/alertmanager?key=wri_nope", json={})
        assert r.status_code == 401
        assert anon.get("/healthz").status_code == 200
        assert anon.get("/readyz").json()["status"] == "ok"
        assert anon.get("/openapi.json").status_code == 200
    with live_server.client(live_server.viewer_token) as viewer:
        assert viewer.get("/api/v1/incidents").status_code == 200
        assert viewer.post("/api/v1/alerts", json=alert).status_code == 403
        assert viewer.get("/api/v1/audit").status_code == 403
    key = live_server.integration("grafana")
    with live_server.client() as api:
        # A Grafana key is not an Alertmanager key.
        assert api.post(f"/api/v1/integrations/alertmanager?key={key}", json={}).status_code == 401
    with live_server.client(live_server.responder_token) as api:
        r = api.post(
            "/api/v1/alerts", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert r.status_code == 422
        r = api.post("/api/v1/alerts", json={"name": "X", "metrics": {"error_rate": "high"}})
        assert r.status_code == 422 and "error_rate" in json.dumps(r.json()["detail"])
        big = {"name": "X", "summary": "x" * (1024 * 1024)}
        assert api.post("/api/v1/alerts", json=big).status_code == 413
        assert api.get("/api/v1/incidents/INC-nope").status_code == 404
    assert _alert_count(live_server) == 0


def test_grouping_window_expires(live_server: LiveServer, clock) -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    clock.set(start)
    with live_server.client(live_server.responder_token) as api:
        a = api.post("/api/v1/alerts", json={"name": "A", "service": "s", "labels": {"i": "1"}})
        clock.set(start + timedelta(minutes=59))
        b = api.post("/api/v1/alerts", json={"name": "A", "service": "s", "labels": {"i": "2"}})
        clock.set(start + timedelta(minutes=59 + 61))
        c = api.post("/api/v1/alerts", json={"name": "A", "service": "s", "labels": {"i": "3"}})
    (first,) = a.json()["incidents_opened"]
    assert first == "INC-20260301-120000"
    assert b.json()["incidents_updated"] == [first]
    assert c.json()["incidents_opened"] == ["INC-20260301-140000"]


def test_incident_id_collision_gets_suffix(live_server: LiveServer, clock) -> None:
    clock.set(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    with live_server.client(live_server.responder_token) as api:
        r = api.post(
            "/api/v1/alerts",
            json=[{"name": "A", "service": "s1"}, {"name": "A", "service": "s2"}],
        )
        r2 = api.post("/api/v1/alerts", json={"name": "B", "service": "s1"})
        listed = api.get("/api/v1/incidents", params={"service": "s1"}).json()
    assert r.json()["incidents_opened"] == ["INC-20260301-120000", "INC-20260301-120000-2"]
    assert r2.json()["incidents_opened"] == ["INC-20260301-120000-3"]
    assert {i["id"] for i in listed} == {"INC-20260301-120000", "INC-20260301-120000-3"}
    with live_server.container.db.read() as session:
        ingests = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "alerts.ingest")
        )
    assert ingests == 2


def test_many_incidents_in_one_second_get_consecutive_suffixes(
    live_server: LiveServer, clock
) -> None:
    clock.set(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    with live_server.client(live_server.responder_token) as api:
        first = api.post(
            "/api/v1/alerts", json=[{"name": "A", "service": f"s{n}"} for n in range(45)]
        )
        second = api.post("/api/v1/alerts", json={"name": "A", "service": "late"})
    base = "INC-20260301-120000"
    expected = [base] + [f"{base}-{n}" for n in range(2, 46)]
    assert first.json()["incidents_opened"] == expected
    assert second.json()["incidents_opened"] == [f"{base}-46"]


def test_a_revoked_integration_key_stops_working(live_server: LiveServer) -> None:
    """Revoked keys are refused once the server's trust in them lapses: at once with no
    cache, never before the cache's time is up with one."""
    container = live_server.container
    key = live_server.integration("alertmanager")
    fresh, cached = KnownKeys(ttl=0), KnownKeys(ttl=3600)
    integration = fresh.authenticate(container.db, "alertmanager", key)
    assert cached.authenticate(container.db, "alertmanager", key).id == integration.id
    with container.db.session() as session:
        auth.revoke_integration(
            session=session, integration_id=integration.id, actor="test", now=container.clock()
        )
    with pytest.raises(AuthError):
        fresh.authenticate(container.db, "alertmanager", key)
    assert cached.authenticate(container.db, "alertmanager", key).id == integration.id
    with container.db.read() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "integration.revoke" in actions


def test_a_revoked_api_token_stops_working(live_server: LiveServer) -> None:
    """As a webhook key: at once with no cache, never before the cache's time with one."""
    container = live_server.container
    with container.db.session() as session:
        row, token = auth.create_token(
            session=session, name="temp", role="responder", actor="test", now=container.clock()
        )
    fresh, cached = KnownTokens(ttl=0), KnownTokens(ttl=3600)
    assert fresh.authenticate(container.db, token).id == row.id
    assert cached.known(token) is None  # nothing verified yet: the lookup is needed
    assert cached.authenticate(container.db, token).id == row.id
    with container.db.session() as session:
        auth.revoke_token(session=session, token_id=row.id, actor="test", now=container.clock())
    with pytest.raises(AuthError):
        fresh.authenticate(container.db, token)
    assert fresh.known(token) is None
    assert cached.authenticate(container.db, token).id == row.id
    with pytest.raises(AuthError):
        KnownTokens(ttl=3600).authenticate(container.db, "wr_not-a-token")
