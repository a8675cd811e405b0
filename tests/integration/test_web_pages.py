"""Console pages with real data: services, rollback from an incident, on-call, reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import Clock, LiveServer
from tests.support.console import console, csrf_of
from warroom.audit import service as audit
from warroom.config import Settings
from warroom.playbook.loader import default_playbook_text

pytest.importorskip("numpy")  # tests.support.models


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    playbook = tmp_path / "playbook.yaml"
    # Detectors and automatic rollback off: these tests decide when a rollback starts.
    text = default_playbook_text().replace(
        "  auto:\n    enabled: true", "  auto:\n    enabled: false"
    )
    assert "enabled: false" in text
    playbook.write_text(text + "\ndetection:\n  enabled: false\n")
    return Settings(
        home=tmp_path, database_url=database_url, sqlite_synchronous="NORMAL", playbook=playbook
    )


@pytest.fixture
def api(live_server: LiveServer) -> httpx.Client:
    """Service `fraud`: v1 stable, v2 broken and taking all traffic; a P0 incident on it."""
    client = live_server.client(live_server.responder_token)
    assert client.post("/api/v1/services", json={"name": "fraud"}).status_code == 201
    v1 = {"version": "v1", "artifact": "tests.support.models:slow", "weight": 100}
    assert client.post("/api/v1/services/fraud/versions", json=v1).status_code == 201
    assert client.post("/api/v1/services/fraud/versions/v1/stable").status_code == 200
    v2 = {"version": "v2", "artifact": "tests.support.models:broken", "weight": 100}
    assert client.post("/api/v1/services/fraud/versions", json=v2).status_code == 201
    alert = {"name": "HighErrorRate", "service": "fraud", "metrics": {"error_rate": 0.7}}
    assert client.post("/api/v1/alerts", json=alert).status_code in (200, 201, 202)
    return client


def test_services_page_shows_versions_weights_and_target(
    live_server: LiveServer, api: httpx.Client
) -> None:
    with console(live_server.url, live_server.viewer_token) as web:
        text = web.get("/services").text
    assert "rollback target:\n    <strong>v1</strong>" in text or "<strong>v1</strong>" in text
    assert re.search(r'<meter min="0" max="100" value="100\.0"', text)
    assert "incident open" in text
    assert "No rollbacks." in text


def test_rollback_is_planned_then_confirmed(live_server: LiveServer, api: httpx.Client) -> None:
    incident_id = api.get("/api/v1/incidents").json()[0]["id"]
    with console(live_server.url, live_server.responder_token) as web:
        plan = web.get(f"/incidents/{incident_id}/rollback", params={"service": "fraud"})
        assert plan.status_code == 200
        assert "Dry run: nothing has changed yet" in plan.text
        assert "Confirm rollback to v1" in plan.text
        assert api.get("/api/v1/rollbacks").json() == []  # the plan changed nothing
        csrf = csrf_of(plan.text)
        unconfirmed = web.post(
            f"/incidents/{incident_id}/rollback", data={"csrf": csrf, "service": "fraud"}
        )
        assert "error:" in unconfirmed.headers["set-cookie"]
        assert api.get("/api/v1/rollbacks").json() == []
        r = web.post(
            f"/incidents/{incident_id}/rollback",
            data={"csrf": csrf, "service": "fraud", "to_version": "v1", "confirm": "yes"},
        )
        assert r.status_code == 303 and "error:" not in r.headers["set-cookie"]
    [rollback] = api.get("/api/v1/rollbacks").json()
    assert rollback["incident_id"] == incident_id
    assert (rollback["to_version"], rollback["trigger"]) == ("v1", "manual")
    assert rollback["actor"] == "token:responder"
    with live_server.container.db.read() as session:
        [event] = audit.list_events(session=session, action="rollback.start")
        assert event.actor == "token:responder"


def test_postmortem_is_drafted_and_opened(live_server: LiveServer, api: httpx.Client) -> None:
    incident_id = api.get("/api/v1/incidents").json()[0]["id"]
    with console(live_server.url, live_server.responder_token) as web:
        csrf = csrf_of(web.get(f"/incidents/{incident_id}").text)
        r = web.post(f"/incidents/{incident_id}/postmortem", data={"csrf": csrf})
        assert r.headers["location"] == f"/incidents/{incident_id}/postmortem"
        page = web.get(r.headers["location"])
        assert page.status_code == 200 and incident_id in page.text
        assert "Open postmortem" in web.get(f"/incidents/{incident_id}").text


def test_oncall_page_shows_who_now_and_next(live_server: LiveServer, clock: Clock) -> None:
    clock.set(datetime(2026, 1, 6, 12, 0, tzinfo=UTC))
    with console(live_server.url, live_server.viewer_token) as web:
        text = web.get("/oncall").text
    backend = text.split('id="team-1">backend</h2>')[1].split("</section>")[0]
    assert "<strong>alice</strong>" in backend  # first week of backend-primary
    assert 'datetime="2026-01-12T09:00:00+00:00"' in backend and "→ bob" in backend


def test_reports_page_shows_response_times(
    live_server: LiveServer, api: httpx.Client, clock: Clock
) -> None:
    incident_id = api.get("/api/v1/incidents").json()[0]["id"]
    detected = datetime.fromisoformat(
        api.get(f"/api/v1/incidents/{incident_id}").json()["detected_at"]
    )
    clock.set(detected + timedelta(minutes=4))
    assert api.post(f"/api/v1/incidents/{incident_id}/acknowledge").status_code == 200
    with console(live_server.url, live_server.viewer_token) as web:
        text = web.get("/reports", params={"days": 30}).text
        assert web.get("/reports", params={"days": 3}).status_code == 422
    assert '<svg class="chart"' in text and "Mean response times by severity" in text
    row = text.split('<span class="sev sev-P0">P0</span></td>')[1].split("</tr>")[0]
    assert "<td>1</td>" in row and "<td>4m 0s</td>" in row
