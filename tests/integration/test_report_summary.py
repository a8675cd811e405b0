"""The per-day summary that reports read is kept exact by every incident change: a mixed
history made through the HTTP API (alerts firing and resolved, acknowledged, resolved by
hand, reopened, severity raised, declared by a person) leaves the same summary as one
recomputed from the incidents, and the report read from it equals the exact aggregation
over the incidents, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tests.conftest import Clock, LiveServer
from tests.integration.test_cli import run
from warroom.incidents import rollup
from warroom.incidents.models import Incident, IncidentDay, IncidentDayBucket, ServiceDay
from warroom.reports import aggregate, follow_up, metrics, summary
from warroom.reports import service as reports

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SEVERITIES = ("P0", "P1", "P2", "P3", "P4")


def _summary_rows(session: Session) -> set[tuple[Any, ...]]:
    """Every row of the summary that counts something (a key whose incidents all moved
    away stays behind as a row of zeros)."""
    rows: set[tuple[Any, ...]] = set()
    for model in (IncidentDay, IncidentDayBucket, ServiceDay):
        columns = list(model.__table__.columns)
        for row in session.execute(select(*columns).where(model.n != 0)):
            rows.add((model.__tablename__, *row))
    return rows


def _history(live: LiveServer, clock: Clock, seed: int) -> list[str]:
    """Forty incidents over two weeks, each taken through a random part of its life."""
    rng = random.Random(seed)
    responder = live.client(live.responder_token)
    ids = []
    for n in range(40):
        at = START + timedelta(hours=8 * n, minutes=rng.randrange(0, 400))
        clock.set(at)
        if n % 9 == 4:  # declared by a person, no alert
            body = {"title": f"declared {n}", "severity": rng.choice(SEVERITIES),
                    "service": f"svc-{n % 5}"}  # fmt: skip
            answer = responder.post("/api/v1/incidents", json=body)
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
        else:
            alert = {"name": f"Alert{n}", "service": f"svc-{n % 5}" if n % 7 else None,
                     "metrics": {"error_rate": rng.choice([0.02, 0.2, 0.7])},
                     "starts_at": (at - timedelta(minutes=rng.randrange(0, 30))).isoformat(),
                     "fingerprint": f"fp-{n}"}  # fmt: skip
            answer = responder.post("/api/v1/alerts", json=alert)
            assert answer.status_code == 200, answer.text
            [incident_id] = answer.json()["incidents_opened"]
            ids.append(incident_id)
        _live_through(responder, clock, rng, ids[-1], at)
    return ids


def _live_through(client: Any, clock: Clock, rng: random.Random, iid: str, at: datetime) -> None:
    url = f"/api/v1/incidents/{iid}"
    steps = rng.sample(["ack", "severity", "resolve", "reopen", "resolve"], k=rng.randrange(0, 5))
    for step in steps:
        at += timedelta(minutes=rng.choice([3, 20, 90, 600, 2000]))
        clock.set(at)
        if step == "ack":
            answer = client.post(f"{url}/acknowledge", json={})
        elif step == "severity":
            body = {"severity": rng.choice(SEVERITIES), "reason": "impact grew"}
            answer = client.post(f"{url}/severity", json=body)
        else:
            status = "resolved" if step == "resolve" else "investigating"
            answer = client.post(f"{url}/status", json={"status": status})
        # Refused transitions (already acknowledged, not resolved yet) change nothing.
        assert answer.status_code in (200, 409, 422), answer.text


def test_summary_follows_every_change_and_the_report_equals_the_exact_one(
    live_server: LiveServer, clock: Clock
) -> None:
    container = live_server.container
    ids = _history(live_server, clock, seed=7)
    with container.db.read() as session:
        statuses = {i.status for i in session.scalars(select(Incident))}
        kept = _summary_rows(session)
    assert len(ids) == 40 and {"resolved", "triggered"} <= statuses
    assert len(statuses) >= 3, statuses
    with container.db.session() as session:
        assert rollup.rebuild(session) == 40
    with container.db.read() as session:
        assert _summary_rows(session) == kept

    now = START + timedelta(days=16, hours=5)
    targets = {
        s: metrics.Target(level.response_time, level.resolution_target)
        for s, level in container.playbook.severity_levels.items()
    }
    delays = {s: d for s, d in container.playbook.postmortem.due_after.items() if d is not None}
    periods = [
        aggregate.Period(*reports.bounded(since=None, until=None, now=now)),  # whole days
        aggregate.Period(START + timedelta(days=2, hours=7), now),  # both ends inside a day
        aggregate.Period(START + timedelta(days=3), START + timedelta(days=9), drills=False),
    ]
    with container.db.read() as session:
        for period in periods:
            assert summary.split(period).whole
            exact = aggregate.duration_blocks(session, period, Incident.severity)
            assert _rounded(summary.severity_blocks(session, period)) == _rounded(exact)
            assert summary.sla(session, period, targets, now) == aggregate.sla(
                session, period, targets, now
            )
            assert summary.passed_due(session, period, delays, now) == follow_up.passed_due(
                session, period, delays, now
            )
            listed, _ = summary.services(session, period, None, None)
            assert listed == aggregate.service_counts(session, period, None, None)
        # Deadlines falling at every hour of the history: the hours of a deadline's day
        # before it come from the hourly summary, the rest of its hour from the incidents.
        for hours in range(0, 16 * 24, 7):
            at = START + timedelta(hours=hours, minutes=31)
            period = aggregate.Period(START - timedelta(days=1), START + timedelta(days=17))
            assert summary.sla(session, period, targets, at) == aggregate.sla(
                session, period, targets, at
            ), at
            assert summary.passed_due(session, period, delays, at) == follow_up.passed_due(
                session, period, delays, at
            ), at


def _rounded(blocks: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k: {f: round(v, 3) for f, v in b.items()} for k, b in blocks.items() if b["n"]}


def test_services_are_listed_a_page_at_a_time(live_server: LiveServer, clock: Clock) -> None:
    clock.set(START)
    responder = live_server.client(live_server.responder_token)
    for n in range(5):
        alert = {"name": "Down", "service": f"svc-{n}", "fingerprint": f"p-{n}"}
        assert responder.post("/api/v1/alerts", json=alert).status_code == 200
    container = live_server.container
    with container.db.read() as session:
        first = reports.response_report(
            session=session, playbook=container.playbook, now=START, services_limit=3
        )
        assert list(first["incidents"]["by_service"]) == ["svc-0", "svc-1", "svc-2"]
        assert first["incidents"]["by_service_next"] == "svc-2"
        assert set(first["mtbf_seconds"]) == {"svc-0", "svc-1", "svc-2"}
    viewer = live_server.client(live_server.viewer_token)
    rest = viewer.get("/api/v1/reports/response", params={"services_after": "svc-2"}).json()
    assert rest["incidents"]["by_service"] == {"svc-3": 1, "svc-4": 1}
    assert rest["incidents"]["by_service_next"] is None
    assert rest["incidents"]["total"] == 5


def _row(iid: str, now: datetime) -> dict[str, Any]:
    return {"id": iid, "title": "t", "severity": "P2", "status": "triggered",
            "service": "batch", "team": None, "group_key": iid, "started_at": now,
            "detected_at": now, "acknowledged_at": None, "mitigated_at": None,
            "resolved_at": None, "closed_at": None, "last_alert_at": now, "updated_at": now,
            "metrics": {}, "impact": None, "labels": {}}  # fmt: skip


def test_a_rolled_back_change_leaves_the_summary_as_it_was(live_server: LiveServer) -> None:
    container = live_server.container
    now = container.clock()
    with container.db.session() as session:
        session.add(Incident(**_row("INC-KEPT", now)))
    with container.db.read() as session:
        before = _summary_rows(session)
    assert before
    with pytest.raises(RuntimeError), container.db.session() as session:
        session.add(Incident(**_row("INC-GONE", now)))
        kept = session.get(Incident, "INC-KEPT")
        assert kept is not None
        kept.resolved_at = now
        session.flush()
        raise RuntimeError("the request failed after its incidents were flushed")
    with container.db.session() as session:
        session.add(Incident(**_row("INC-NEXT", now)))
    with container.db.read() as session:
        kept_up = _summary_rows(session)
    assert ("incident_service_days", "batch", rollup.day_of(now), 2) in kept_up
    with container.db.session() as session:
        assert rollup.rebuild(session) == 2
    with container.db.read() as session:
        assert _summary_rows(session) == kept_up


def test_rebuild_command_counts_incidents_written_around_warroom(live_server: LiveServer) -> None:
    now = live_server.container.clock()
    row = _row("INC-AROUND", now)
    with live_server.container.db.session() as session:
        session.execute(insert(Incident), [row])
    viewer = live_server.client(live_server.viewer_token)
    assert viewer.get("/api/v1/reports/response").json()["incidents"]["total"] == 0
    done = run(live_server, "db", "rebuild-summary")
    assert done.returncode == 0, done.stderr
    assert "from 1 incidents" in done.stdout
    report = viewer.get("/api/v1/reports/response").json()
    assert report["incidents"]["total"] == 1
    assert report["incidents"]["by_service"] == {"batch": 1}
