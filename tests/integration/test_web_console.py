"""The web console over real HTTP: sign-in, session cookie, CSRF, roles, every action audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Clock, LiveServer
from tests.support.console import console, csrf_of
from warroom.audit import service as audit
from warroom.auth import service as auth
from warroom.config import Settings
from warroom.incidents.models import Incident


@pytest.fixture
def settings(database_url: str, tmp_path: Any) -> Settings:
    return Settings(
        home=tmp_path,
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        console_refresh=0.2,
    )


def open_incident(live: LiveServer, service: str = "fraud-model", **metrics: float) -> str:
    api = live.client(live.responder_token)
    alert = {"name": "HighErrorRate", "service": service, "metrics": metrics or {"error_rate": 0.6}}
    r = api.post("/api/v1/alerts", json=alert)
    assert r.status_code in (200, 201, 202), r.text
    return str(api.get("/api/v1/incidents").json()[0]["id"])


def incident(live: LiveServer, incident_id: str) -> dict[str, Any]:
    return dict(live.client(live.viewer_token).get(f"/api/v1/incidents/{incident_id}").json())


def test_pages_need_sign_in(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as anon:
        r = anon.get("/incidents/INC-1?x=1")
        assert r.status_code == 303
        assert r.headers["location"] == "/login?next=/incidents/INC-1%3Fx%3D1"
        assert anon.get("/fragments/incidents").status_code == 401
        anon.cookies.set("warroom_session", "forged.value")
        assert anon.get("/").status_code == 303
        r = anon.post("/incidents/INC-1/notes", data={"message": "x", "csrf": "x"})
        assert r.status_code == 303 and r.headers["location"] == "/login"


def test_sessions_expire(live_server: LiveServer, clock: Clock) -> None:
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    clock.set(start)
    with console(live_server.url, live_server.viewer_token) as web:
        clock.set(start + timedelta(seconds=live_server.container.settings.session_max_age - 1))
        assert web.get("/").status_code == 200
        clock.set(start + timedelta(seconds=live_server.container.settings.session_max_age + 1))
        assert web.get("/").status_code == 303


def test_sign_in_sets_a_hardened_session_cookie(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        page = client.get("/login")
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        csrf = csrf_of(page.text)
        bad = client.post("/login", data={"token": "wr_nope", "csrf": csrf})
        assert bad.status_code == 401
        assert "unknown or revoked API token" in bad.text
        ok = client.post(
            "/login",
            data={"token": live_server.viewer_token, "csrf": csrf_of(bad.text), "next": "/oncall"},
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/oncall"
        cookie = next(
            h for h in ok.headers.get_list("set-cookie") if h.startswith("warroom_session=")
        )
        assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        assert live_server.viewer_token not in cookie
        assert client.get("/").status_code == 200
    with live_server.container.db.read() as session:
        assert audit.list_events(session=session, action="console.login")[0].actor == "token:viewer"


def test_sign_in_refuses_a_cross_site_form(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        r = client.post("/login", data={"token": live_server.admin_token, "csrf": "x"})
        assert r.status_code == 403
        assert "warroom_session" not in r.headers.get("set-cookie", "")
        assert client.post("/login", json={"token": "x"}).status_code == 415


def test_sign_in_only_redirects_on_site(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        csrf = csrf_of(client.get("/login").text)
        r = client.post(
            "/login",
            data={"token": live_server.viewer_token, "csrf": csrf, "next": "//evil.example/x"},
        )
        assert r.headers["location"] == "/"


def test_responder_acts_and_every_action_is_audited(live_server: LiveServer) -> None:
    incident_id = open_incident(live_server)
    with console(live_server.url, live_server.responder_token) as web:
        page = web.get(f"/incidents/{incident_id}")
        assert 'id="ack"' in page.text
        csrf = csrf_of(page.text)
        base = f"/incidents/{incident_id}"
        posts: list[tuple[str, dict[str, str]]] = [
            ("acknowledge", {}),
            ("roles", {"role": "incident_commander", "person": "alice"}),
            ("status", {"status": "investigating", "message": "looking at v2"}),
            ("notes", {"message": "internal: suspect the feature store"}),
            ("updates", {"status": "identified", "message": "Bad release found", "public": "on"}),
        ]
        for path, data in posts:
            r = web.post(f"{base}/{path}", data={**data, "csrf": csrf})
            assert r.status_code == 303, (path, r.text)
            assert "error:" not in r.headers.get("set-cookie", ""), path
        again = web.post(f"{base}/acknowledge", data={"csrf": csrf})
        assert "error:" not in again.headers["set-cookie"]  # a second click is a no-op
        shown = web.get(base)
        assert "Already acknowledged at" in shown.text and "nothing changed" in shown.text
    detail = incident(live_server, incident_id)
    assert detail["status"] == "identified"
    assert [r["person"] for r in detail["roles"]] == ["alice"]
    kinds = [e["kind"] for e in detail["timeline"]]
    assert {"status", "role", "note", "update"} <= set(kinds)
    with live_server.container.db.read() as session:
        actions = {
            e.action
            for e in audit.list_events(session=session, target=incident_id)
            if e.actor == "token:responder"
        }
    assert {"incident.status", "incident.role", "incident.note", "incident.update"} <= actions


def test_bad_form_input_is_explained(live_server: LiveServer) -> None:
    incident_id = open_incident(live_server)
    with console(live_server.url, live_server.responder_token) as web:
        csrf = csrf_of(web.get(f"/incidents/{incident_id}").text)
        r = web.post(f"/incidents/{incident_id}/status", data={"status": "bogus", "csrf": csrf})
        assert r.status_code == 303
        page = web.get(f"/incidents/{incident_id}")
        assert "status: Input should be" in page.text
        assert web.get("/?severity=P9").status_code == 422
    assert incident(live_server, incident_id)["status"] == "triggered"


def test_forms_without_the_sessions_csrf_token_are_refused(live_server: LiveServer) -> None:
    incident_id = open_incident(live_server)
    with console(live_server.url, live_server.admin_token) as web:
        for data in ({}, {"csrf": "forged"}):
            r = web.post(f"/incidents/{incident_id}/acknowledge", data=data)
            assert r.status_code == 403
            assert "CSRF token is missing or wrong" in r.text
    with console(live_server.url, live_server.responder_token) as other:
        # A CSRF token from another session does not fit this one.
        theirs = csrf_of(other.get(f"/incidents/{incident_id}").text)
    with console(live_server.url, live_server.responder_token) as web:
        r = web.post(f"/incidents/{incident_id}/acknowledge", data={"csrf": theirs})
        assert r.status_code == 403
    assert incident(live_server, incident_id)["status"] == "triggered"


def test_viewer_sees_everything_and_changes_nothing(live_server: LiveServer) -> None:
    incident_id = open_incident(live_server)
    with console(live_server.url, live_server.viewer_token) as web:
        page = web.get(f"/incidents/{incident_id}")
        assert page.status_code == 200 and "HighErrorRate" in page.text
        assert '<form method="post" action="/incidents/' not in page.text
        assert 'id="ack"' not in page.text
        csrf = csrf_of(page.text)  # the sign-out form's, valid for this session
        for path, data in (
            ("acknowledge", {}),
            ("notes", {"message": "x"}),
            ("updates", {"status": "identified", "message": "x", "public": "on"}),
            ("rollback", {"service": "fraud-model", "confirm": "yes"}),
            ("postmortem", {}),
        ):
            r = web.post(f"/incidents/{incident_id}/{path}", data={**data, "csrf": csrf})
            assert r.status_code == 403, path
            assert "viewers cannot change anything" in r.text
        assert web.get(f"/incidents/{incident_id}/rollback?service=x").status_code == 403
        for path in ("/", "/services", "/oncall", "/reports"):
            assert web.get(path).status_code == 200, path
    detail = incident(live_server, incident_id)
    assert detail["status"] == "triggered"
    assert [e["kind"] for e in detail["timeline"] if e["kind"] in ("note", "update")] == []


def test_revoking_the_token_ends_the_session(live_server: LiveServer) -> None:
    container = live_server.container
    with container.db.session() as session:
        row, token = auth.create_token(
            session=session, name="temp", role="responder", actor="test", now=container.clock()
        )
        token_id = row.id
    with console(live_server.url, token) as web:
        assert web.get("/").status_code == 200
        with container.db.session() as session:
            auth.revoke_token(
                session=session, token_id=token_id, actor="test", now=container.clock()
            )
        assert web.get("/").status_code == 303


def test_sign_out_clears_the_session(live_server: LiveServer) -> None:
    with console(live_server.url, live_server.viewer_token) as web:
        csrf = csrf_of(web.get("/").text)
        r = web.post("/logout", data={"csrf": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert web.get("/").status_code == 303


def test_list_filters_and_live_fragment(live_server: LiveServer) -> None:
    first = open_incident(live_server, service="fraud-model")
    second = open_incident(live_server, service="search-ranker", accuracy_drop=0.12)
    with console(live_server.url, live_server.viewer_token) as web:
        page = web.get("/")
        assert 'data-refresh-seconds="0.2"' in page.text
        rows = [f'data-id="{first}"', f'data-id="{second}"']
        assert all(r in page.text for r in rows)
        only = web.get("/fragments/incidents", params={"service": "search-ranker"}).text
        assert rows[1] in only and rows[0] not in only
        p0 = web.get("/", params={"severity": "P0", "status": "open"}).text
        assert rows[0] in p0 and rows[1] not in p0
        assert 'class="sev sev-P0"' in p0
        assert '<span class="badge">drill</span>' not in p0
        with live_server.container.db.session() as session:
            row = session.get(Incident, first)
            assert row is not None
            row.labels = {**row.labels, "drill": "true"}
        assert '<span class="badge">drill</span>' in web.get("/fragments/incidents").text


def test_missing_things_are_explained_on_a_page(live_server: LiveServer) -> None:
    incident_id = open_incident(live_server)
    with console(live_server.url, live_server.responder_token) as web:
        r = web.get("/incidents/INC-nope")
        assert r.status_code == 404 and "<html" in r.text
        assert "incident INC-nope not found" in r.text
        assert web.get(f"/incidents/{incident_id}/postmortem").status_code == 404
        plan = web.get(f"/incidents/{incident_id}/rollback", params={"service": "nope"})
        assert plan.status_code == 303 and plan.headers["location"] == f"/incidents/{incident_id}"
        assert "nope" in web.get(plan.headers["location"]).text


def test_tasks_runbook_and_diagnostics_on_the_incident_page(live_server: LiveServer) -> None:
    incident_id = open_incident(live_server)  # HighErrorRate, P0: seed checklists + runbook
    api = live_server.client(live_server.viewer_token)
    first, second = api.get(f"/api/v1/incidents/{incident_id}/tasks").json()[:2]
    with console(live_server.url, live_server.viewer_token) as viewer:
        page = viewer.get(f"/incidents/{incident_id}").text
        assert first["title"] in page and "Runbook: " in page
        assert f'name="task-{first["id"]}"' not in page  # no checkboxes for viewers
        assert "Check off selected" not in page
        forged = viewer.post(
            f"/incidents/{incident_id}/tasks/check",
            data={"csrf": csrf_of(page), f"task-{first['id']}": "on"},
        )
        assert forged.status_code == 403
    with console(live_server.url, live_server.responder_token) as web:
        page = web.get(f"/incidents/{incident_id}").text
        assert f'name="task-{first["id"]}"' in page and "Check off selected" in page
        none = web.post(f"/incidents/{incident_id}/tasks/check", data={"csrf": csrf_of(page)})
        assert "No task selected." in web.get(none.headers["location"]).text
        ticked = {"csrf": csrf_of(page), f"task-{first['id']}": "on", f"task-{second['id']}": "on"}
        r = web.post(f"/incidents/{incident_id}/tasks/check", data=ticked)
        assert r.status_code == 303
        shown = web.get(r.headers["location"]).text
        assert "2 tasks checked off." in shown
        assert f"/tasks/{first['id']}/uncheck" in shown  # each ticked task can be reopened
        r = web.post(
            f"/incidents/{incident_id}/tasks/{first['id']}/uncheck", data={"csrf": csrf_of(page)}
        )
        assert "Task reopened." in web.get(r.headers["location"]).text
    found = {t["id"]: t for t in api.get(f"/api/v1/incidents/{incident_id}/tasks").json()}
    assert found[second["id"]]["checked_by"] == "token:responder"
    assert found[first["id"]]["checked_at"] is None
    with live_server.container.db.read() as session:
        actions = [e.action for e in audit.list_events(session=session, limit=50)]
    assert "incident.task_checked" in actions
