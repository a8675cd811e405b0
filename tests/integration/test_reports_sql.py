"""The report aggregated by the database agrees with the reference definitions (the pure
functions of ``reports.metrics``) on a random history, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from tests.conftest import LiveServer
from tests.integration.test_cli import run
from warroom.bootstrap import Container
from warroom.incidents import rollup
from warroom.incidents.models import Incident
from warroom.postmortem import deadlines
from warroom.postmortem.models import ActionItem, Postmortem
from warroom.reports import metrics
from warroom.reports import service as reports
from warroom.web import reports_view

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _history(seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    incidents, pms, items = [], [], []
    for n in range(300):
        start = NOW - timedelta(days=40) + timedelta(seconds=rng.randrange(40 * 86400))
        detected = start + timedelta(seconds=rng.randrange(0, 900), milliseconds=rng.randrange(999))
        acked = detected + timedelta(seconds=rng.randrange(1, 7200)) if rng.random() < 0.7 else None
        resolved = (
            detected + timedelta(seconds=rng.randrange(60, 30000)) if rng.random() < 0.8 else None
        )
        if resolved and resolved > NOW:
            resolved = None
        if acked and acked > NOW:
            acked = None
        iid = f"INC-R{n:04d}"
        incidents.append({
            "id": iid, "title": "t", "severity": rng.choice(metrics.SEVERITIES),
            "status": "resolved" if resolved else "triggered",
            "service": rng.choice(["a", "b", "c", None]), "team": None, "group_key": iid,
            "started_at": start, "detected_at": detected, "acknowledged_at": acked,
            "mitigated_at": None, "resolved_at": resolved, "closed_at": None,
            "last_alert_at": detected, "updated_at": detected, "metrics": {}, "impact": None,
            "labels": {"drill": "true"} if rng.random() < 0.1 else {},
        })  # fmt: skip
        if resolved and rng.random() < 0.5:
            published = (
                resolved + timedelta(hours=rng.randrange(1, 200)) if rng.random() < 0.6 else None
            )
            pms.append({
                "incident_id": iid, "status": "published" if published else "draft",
                "template": "full", "markdown": "", "version": 1,
                "root_cause_category": rng.choice(["deployment", "capacity", None]),
                "due_at": None, "created_at": resolved, "updated_at": resolved,
                "published_at": published if published and published < NOW else None,
            })  # fmt: skip
        for _ in range(rng.randrange(0, 3)):
            due = detected + timedelta(days=rng.randrange(1, 20)) if rng.random() < 0.8 else None
            status = rng.choice(["open", "in_progress", "done", "wont_do"])
            completed = (
                detected + timedelta(days=rng.randrange(0, 25)) if status == "done" else None
            )
            items.append({
                "incident_id": iid, "title": "x", "owner": None, "priority": "low", "due_at": due,
                "status": status, "created_at": detected, "updated_at": detected,
                "completed_at": completed,
            })  # fmt: skip
    return incidents, pms, items


def _expected(container: Container, rows: list[dict[str, Any]], pms: list[dict[str, Any]],
              items: list[dict[str, Any]], since: datetime) -> dict[str, Any]:  # fmt: skip
    chosen = [r for r in rows if since <= r["detected_at"] < NOW]
    pm_of = {p["incident_id"]: p for p in pms}
    times = [
        metrics.IncidentTimes(
            r["id"], r["severity"], r["service"], r["started_at"], r["detected_at"],
            r["acknowledged_at"], r["resolved_at"],
            pm_of[r["id"]]["root_cause_category"] if r["id"] in pm_of else None,
        )
        for r in chosen
    ]  # fmt: skip
    playbook = container.playbook
    targets = {
        s: metrics.Target(level.response_time, level.resolution_target)
        for s, level in playbook.severity_levels.items()
    }
    dues = []
    for r in chosen:
        due = deadlines.postmortem_due(
            resolved_at=r["resolved_at"], severity=r["severity"], policy=playbook.postmortem
        )
        if due is not None:
            published = pm_of[r["id"]]["published_at"] if r["id"] in pm_of else None
            dues.append(metrics.PostmortemDue(r["id"], due, published))
    ids = {r["id"] for r in chosen}
    actions = [
        metrics.ActionDue(n + 1, a["incident_id"], a["due_at"], a["status"], a["completed_at"])
        for n, a in enumerate(items)
        if a["incident_id"] in ids
    ]
    return {
        "incidents": {**metrics.counts(times), "total": len(times)},
        "response": metrics.durations(times),
        "mtbf_seconds": metrics.mtbf(times),
        "sla": metrics.sla(times, targets, NOW),
        "postmortems": metrics.postmortem_completion(dues, NOW),
        "action_items": metrics.action_completion(actions, NOW),
    }


def _close(got: Any, want: Any, where: str = "") -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), where
        for key in want:
            _close(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, float):
        assert got == pytest.approx(want, abs=2e-3), where
    elif isinstance(want, list) and want and isinstance(want[0], str):
        assert set(got) <= set(want) and len(got) == min(len(want), 100), where
    else:
        assert got == want, where


@pytest.mark.parametrize("seed", [1, 2])
def test_sql_report_matches_the_reference_definitions(container: Container, seed: int) -> None:
    rows, pms, items = _history(seed)
    with container.db.session() as session:
        session.execute(insert(Incident), rows)
        if pms:
            session.execute(insert(Postmortem), pms)
        session.execute(insert(ActionItem), items)
        # Rows written around the ORM: the summary is recomputed from them, as on upgrade.
        rollup.rebuild(session)
    since = NOW - timedelta(days=30)
    with container.db.read() as session:
        got = reports.response_report(
            session=session, playbook=container.playbook, now=NOW, since=since, until=NOW
        )
    want = _expected(container, rows, pms, items, since)
    assert got["incidents"].pop("by_service_next") is None
    for section in want:
        _close(got[section], want[section], section)
    assert all(v is None or v >= 0 for v in got["mtbf_seconds"].values())


def test_report_defaults_to_the_last_30_days_and_refuses_a_reversed_period(
    live_server: LiveServer,
) -> None:
    now = live_server.container.clock()
    old = {"id": "INC-OLD", "detected_at": now - timedelta(days=45)}
    recent = {"id": "INC-NEW", "detected_at": now - timedelta(days=2)}
    base = _history(3)[0][0]
    with live_server.container.db.session() as session:
        for extra in (old, recent):
            row = {**base, **extra, "started_at": extra["detected_at"], "resolved_at": None,
                   "acknowledged_at": None, "group_key": extra["id"]}  # fmt: skip
            session.execute(insert(Incident), [row])
        rollup.rebuild(session)
    with live_server.client(live_server.viewer_token) as api:
        report = api.get("/api/v1/reports/response").json()
        assert report["incidents"]["total"] == 1
        period = {k: datetime.fromisoformat(v) for k, v in report["period"].items()}
        assert period["until"] - period["since"] == timedelta(days=30)
        assert period["until"] >= now
        wide = api.get("/api/v1/reports/response", params={"since": "2000-01-01T00:00:00Z"})
        assert wide.json()["incidents"]["total"] == 2
        bad = api.get(
            "/api/v1/reports/response",
            params={"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        )
        assert bad.status_code == 422 and bad.json()["detail"].startswith("since:")


def test_console_report_weeks_match_the_reference_and_leave_drills_out(
    container: Container,
) -> None:
    rows, _, _ = _history(4)
    with container.db.session() as session:
        session.execute(insert(Incident), rows)
        rollup.rebuild(session)
    with container.db.read() as session:
        view = reports_view.build(session=session, now=NOW, days=30)
    # 30 whole UTC days, today included.
    start = NOW.replace(hour=0, minute=0) + timedelta(days=1) - timedelta(days=30)
    kept = [r for r in rows if r["detected_at"] >= start and r["labels"].get("drill") != "true"]
    assert 0 < len(kept) < len([r for r in rows if r["detected_at"] >= start])
    times = [
        metrics.IncidentTimes(r["id"], r["severity"], r["service"], r["started_at"],
                              r["detected_at"], r["acknowledged_at"], r["resolved_at"])
        for r in kept
    ]  # fmt: skip
    assert len(view.weeks) == 5
    for n, (label, got) in enumerate(view.weeks):
        begin = start + timedelta(days=7 * n)
        assert label == begin.strftime("%m-%d")
        week = [t for t in times if begin <= t.detected_at < begin + timedelta(days=7)]
        want = {k: v for k, v in metrics.durations(week).items() if k != "by_severity"}
        _close(got, want, label)
    _close(view.overall, metrics.durations(times), "overall")


def test_cli_report_is_tables_with_a_positive_mtbf_for_overlapping_incidents(
    live_server: LiveServer,
) -> None:
    now = live_server.container.clock()
    base = _history(5)[0][0]
    spans = [(0, 120), (10, 30), (200, 260)]  # minutes ago... the first two overlap
    with live_server.container.db.session() as session:
        for n, (start, end) in enumerate(spans):
            began = now - timedelta(days=1) + timedelta(minutes=start)
            row = {**base, "id": f"INC-O{n}", "group_key": f"o{n}", "service": "fraud-model",
                   "severity": "P1", "started_at": began, "detected_at": began,
                   "acknowledged_at": None, "resolved_at": began + timedelta(minutes=end - start),
                   "labels": {}}  # fmt: skip
            session.execute(insert(Incident), [row])
        rollup.rebuild(session)
    shown = run(live_server, "report")
    assert shown.returncode == 0, shown.stderr
    assert "{'" not in shown.stdout  # no raw dicts
    line = next(x for x in shown.stdout.splitlines() if "fraud-model" in x)
    assert "1h20m00s" in line  # the merged outage ends 120 min in, the next starts at 200
    assert "│" in shown.stdout and "P0" in shown.stdout
