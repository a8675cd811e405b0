"""Every list pages on with a cursor: beyond 1,000 rows, in a stable order, on SQLite and
PostgreSQL; the CLI follows the cursors (--all) and the console pages both ways."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import insert

from tests.conftest import LiveServer
from tests.integration.test_cli import run
from tests.support.console import console
from warroom.alerts.models import Alert
from warroom.audit.models import AuditEvent
from warroom.deploy.models import DeploymentEvent, ModelService, Rollback
from warroom.incidents.models import Incident
from warroom.jobs.models import Job
from warroom.notify.models import Notification
from warroom.postmortem.models import ActionItem

T0 = datetime(2026, 11, 1, tzinfo=UTC)
ROWS = 1_205


def _incident(i: int, *, open_: bool = False, at: datetime | None = None) -> dict[str, Any]:
    detected = at or T0 + timedelta(minutes=i)
    return {
        "id": f"INC-P{i:06d}",
        "title": f"incident {i}",
        "severity": "P2",
        "status": "triggered" if open_ else "resolved",
        "service": f"svc-{i % 7}",
        "team": None,
        "group_key": f"g{i}",
        "started_at": detected,
        "detected_at": detected,
        "acknowledged_at": None,
        "mitigated_at": None,
        "resolved_at": None if open_ else detected + timedelta(minutes=5),
        "closed_at": None,
        "last_alert_at": detected,
        "updated_at": detected,
        "metrics": {},
        "impact": None,
        "labels": {},
    }


def _alert(i: int) -> dict[str, Any]:
    at = T0 + timedelta(seconds=i)
    return {
        "source": "generic", "fingerprint": f"f{i}", "name": "HighErrorRate", "service": "svc",
        "severity": None, "summary": None, "labels": {}, "annotations": {}, "metrics": {},
        "status": "resolved", "starts_at": at, "ends_at": at, "received_at": at,
        "updated_at": at, "repeat_count": 0, "incident_id": None, "holds": None,
    }  # fmt: skip


def _audit(i: int) -> dict[str, Any]:
    at = T0 + timedelta(seconds=i)
    return {"at": at, "actor": "test", "action": "seed.row", "target": str(i), "details": {}}


def _job(i: int) -> dict[str, Any]:
    at = T0 + timedelta(seconds=i)
    return {
        "kind": "seed.row", "key": None, "payload": {"i": i}, "status": "done", "due_at": at,
        "attempts": 1, "created_at": at, "updated_at": at, "finished_at": at,
    }  # fmt: skip


def _notification(i: int) -> dict[str, Any]:
    at = T0 + timedelta(seconds=i)
    return {
        "key": f"seed-{i}", "incident_id": None, "channel": "log", "channel_type": "log",
        "target": "x", "person": None, "level": None, "subject": "s", "body": "b",
        "status": "sent", "attempts": 1, "created_at": at, "updated_at": at, "sent_at": at,
    }  # fmt: skip


def _rollback(i: int) -> dict[str, Any]:
    at = T0 + timedelta(seconds=i)
    return {
        "service": "svc", "from_version": "v2", "to_version": "v1", "trigger": "manual",
        "state": "succeeded", "actor": "test", "reason": "", "requested_at": at,
        "snapshot": {}, "verification": {}, "steps": [], "in_flight_service": None,
    }  # fmt: skip


def _action(i: int) -> dict[str, Any]:
    at = T0 + timedelta(seconds=i)
    return {
        "incident_id": "INC-P000000", "title": f"action {i}", "owner": None,
        "priority": "low", "due_at": None, "status": "open", "created_at": at, "updated_at": at,
    }  # fmt: skip


def _release(i: int) -> dict[str, Any]:
    at = T0 + timedelta(seconds=i)
    return {
        "service": "svc", "at": at, "kind": "deploy", "version": f"v{i}", "actor": "test",
        "weights": {}, "details": {},
    }  # fmt: skip


# path, table, row factory, the order rows come back in (by insertion index)
LISTS: dict[str, tuple[str, Any, Callable[[int], dict[str, Any]], bool]] = {
    "alerts": ("/api/v1/alerts", Alert, _alert, True),
    "audit": ("/api/v1/audit?action=seed.row", AuditEvent, _audit, True),
    "jobs": ("/api/v1/jobs?kind=seed.row", Job, _job, True),
    "notifications": ("/api/v1/notifications", Notification, _notification, True),
    "rollbacks": ("/api/v1/rollbacks", Rollback, _rollback, True),
    "actions": ("/api/v1/actions", ActionItem, _action, False),
    "releases": ("/api/v1/services/svc/history", DeploymentEvent, _release, True),
}


def _seed(server: LiveServer, table: Any, rows: list[dict[str, Any]]) -> None:
    with server.container.db.session() as session:
        session.execute(insert(Incident), [_incident(0)])
        session.add(ModelService(name="svc", backend_config={}, created_at=T0, updated_at=T0))
        session.flush()
        session.execute(insert(table), rows)


def _walk(server: LiveServer, path: str, limit: int) -> tuple[list[Any], int]:
    """Every row of a list, page by page through X-Next-Cursor; and the number of pages."""
    seen: list[Any] = []
    pages = 0
    with server.client(server.admin_token) as api:
        path, _, query = path.partition("?")
        base = dict(part.split("=") for part in query.split("&") if part)
        params: dict[str, Any] = {**base, "limit": limit}
        while True:
            r = api.get(path, params=params)
            assert r.status_code == 200, r.text
            pages += 1
            seen += r.json()
            cursor = r.headers.get("x-next-cursor")
            if cursor is None:
                assert "link" not in r.headers
                return seen, pages
            assert 'rel="next"' in r.headers["link"] and "cursor=" in r.headers["link"]
            params = {**base, "limit": limit, "cursor": cursor}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_list_pages_beyond_a_thousand_rows(live_server: LiveServer, name: str) -> None:
    path, table, make, newest_first = LISTS[name]
    _seed(live_server, table, [make(i) for i in range(ROWS)])
    seen, pages = _walk(live_server, path, limit=500)
    assert pages == 3
    ids = [row["id"] for row in seen]
    assert len(ids) == ROWS == len(set(ids))
    assert ids == sorted(ids, reverse=newest_first)


def test_incidents_page_open_first_then_newest_with_ties_broken(live_server: LiveServer) -> None:
    same = T0 + timedelta(hours=1)  # many incidents detected at the same instant
    rows = [_incident(i, open_=i % 9 == 0, at=same if i % 4 == 0 else None) for i in range(1, ROWS)]
    _seed(live_server, Incident, rows)
    rows.append(_incident(0))  # seeded by _seed itself
    seen, pages = _walk(live_server, "/api/v1/incidents", limit=97)
    assert pages == -(-ROWS // 97)
    by_id = {r["id"]: r for r in rows}
    expected = sorted(
        by_id,
        key=lambda i: (by_id[i]["resolved_at"] is None, by_id[i]["detected_at"], i),
        reverse=True,
    )
    assert [r["id"] for r in seen] == expected


def test_filters_hold_across_pages(live_server: LiveServer) -> None:
    _seed(live_server, Incident, [_incident(i) for i in range(1, ROWS)])
    seen, _ = _walk(live_server, "/api/v1/incidents?service=svc-3", limit=50)
    assert len(seen) == len([i for i in range(ROWS) if i % 7 == 3])
    assert {r["service"] for r in seen} == {"svc-3"}


def _b64(body: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        _b64({"l": "alerts", "s": 0, "k": [1]}),  # another list's cursor
        _b64({"l": "incidents", "s": 9, "k": [{"t": "2026-11-01T00:00:00+00:00"}, "x"]}),
        _b64({"l": "incidents", "s": 0, "k": []}),  # no position
        _b64({"l": "incidents", "s": 0, "k": [{"t": "2026-11-01T00:00:00"}, "x"]}),  # naive
        _b64({"l": "incidents", "s": 0, "k": [[1], "x"]}),
    ],
)
def test_a_bad_cursor_is_refused_naming_the_field(live_server: LiveServer, cursor: str) -> None:
    with live_server.client(live_server.viewer_token) as api:
        r = api.get("/api/v1/incidents", params={"cursor": cursor})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("cursor: not a cursor of the incidents list")


def test_cli_lists_follow_the_cursors(live_server: LiveServer) -> None:
    _seed(live_server, Incident, [_incident(i) for i in range(1, ROWS)])
    every = run(live_server, "incident", "list", "--all", "--json")
    assert every.returncode == 0, every.stderr
    assert len({i["id"] for i in json.loads(every.stdout)}) == ROWS
    some = run(live_server, "incident", "list", "--limit", "1100", "--json")
    assert [i["id"] for i in json.loads(some.stdout)] == [
        i["id"] for i in json.loads(every.stdout)[:1100]
    ]
    audit = run(live_server, "audit", "list", "--all", "--json", token=live_server.admin_token)
    assert audit.returncode == 0, audit.stderr


def test_console_pages_older_and_back_newer(live_server: LiveServer) -> None:
    _seed(live_server, Incident, [_incident(i) for i in range(1, 120)])
    with console(live_server.url, live_server.viewer_token) as browser:
        first = browser.get("/")
        assert first.status_code == 200
        first_ids = re.findall(r'data-id="([^"]+)"', first.text)
        assert len(first_ids) == 50 and first_ids[0] == "INC-P000119"
        assert 'rel="prev"' not in first.text
        older = re.search(r'<a rel="next" href="([^"]+)"', first.text)
        assert older is not None
        second = browser.get(unescape(older.group(1)))
        second_ids = re.findall(r'data-id="([^"]+)"', second.text)
        assert second_ids[0] == "INC-P000069" and not set(first_ids) & set(second_ids)
        newer = re.search(r'<a rel="prev" href="([^"]+)"', second.text)
        assert newer is not None
        back = browser.get(unescape(newer.group(1)))
        assert re.findall(r'data-id="([^"]+)"', back.text) == first_ids
        assert browser.get("/?cursor=nonsense").status_code == 422


def test_console_filter_menus_come_from_recent_incidents(live_server: LiveServer) -> None:
    rows = [_incident(i) for i in range(1, 2_100)]
    rows[0]["service"] = "ancient"  # the oldest incident: beyond the newest 2,000
    _seed(live_server, Incident, rows)
    with console(live_server.url, live_server.viewer_token) as browser:
        page = browser.get("/").text
        assert ">svc-3</option>" in page
        assert "ancient" not in page
        chosen = browser.get("/", params={"service": "ancient"}).text
        assert re.search(r"<option selected>ancient</option>", chosen)
        assert re.findall(r'data-id="([^"]+)"', chosen) == ["INC-P000001"]
