"""Diagnostics against real loopback targets on real SQLite and PostgreSQL: an HTTP server,
the database itself, warroom's deploy registry and a git repository, shell commands; with
their outcomes on the timeline, timeouts and output caps enforced, secrets masked."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.http_target import HttpTarget, Route
from warroom.alerts.models import AlertCreate
from warroom.audit.models import AuditEvent
from warroom.bootstrap import Container
from warroom.deploy import registry
from warroom.deploy.models import DeployRequest, Rollback, ServiceCreate
from warroom.guide import service as guide
from warroom.guide.models import DiagnosticResult
from warroom.incidents import service as incidents
from warroom.intake.service import ingest
from warroom.playbook.runbook import load_runbooks
from warroom.playbook.schema import Playbook
from warroom.worker.loop import Worker

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def target() -> Iterator[tuple[HttpTarget, str]]:
    server = HttpTarget(
        {
            "/health": Route(200, '{"status": "ok", "model_loaded": true}', "application/json"),
            "/readyz": Route(200, '{"status":"ok","database":"sqlite"}', "application/json"),
            "/health/liveness": Route(200, "alive"),
            "/health/readiness": Route(503, "database: unreachable"),
            "/hang": Route(hang=True),
            "/big": Route(200, "x" * 20_000),
        }
    )
    url = server.start()
    yield server, url
    server.stop()


def configure(container: Container, **runbooks: Any) -> None:
    """The default playbook with these ``runbooks`` settings; ``diagnostics`` are added to the
    declared ones (the shipped runbooks name ``recent_changes``)."""
    data = container.playbook.model_dump(mode="json", by_alias=True)
    added = runbooks.pop("diagnostics", [])
    current = data["runbooks"]
    data["runbooks"] = {**current, **runbooks, "diagnostics": current["diagnostics"] + added}
    container.playbook = Playbook.model_validate(data)
    container.runbooks = load_runbooks(container.playbook.runbooks, None)


def open_incident(
    container: Container, name: str = "HighErrorRate", labels: dict[str, str] | None = None
) -> str:
    alert = AlertCreate.model_validate(
        {
            "source": "generic",
            "fingerprint": f"fp-{name}",
            "starts_at": T0.isoformat(),
            "name": name,
            "service": "fraud",
            "labels": labels or {},
            "metrics": {"error_rate": 0.08},
        }
    )
    with container.db.session() as session:
        result = ingest(
            session=session, alerts=[alert], playbook=container.playbook, actor="test", now=T0
        )
    [incident_id] = result.incidents_opened
    return incident_id


def diagnose(container: Container, incident_id: str, *names: str) -> dict[str, DiagnosticResult]:
    rows = guide.diagnose(
        db=container.db,
        policy=container.playbook.runbooks,
        runbooks=container.runbooks,
        incident_id=incident_id,
        names=list(names),
        actor="token:responder",
        now=T0,
    )
    return {r.step: r for r in rows}


def timeline(container: Container, incident_id: str) -> list[Any]:
    with container.db.read() as session:
        incident, _ = incidents.get_detail(session=session, incident_id=incident_id)
        return [e for e in incident.timeline if e.kind == "diagnostic"]


def test_runbook_steps_run_when_an_incident_opens(container: Container, clock, target) -> None:
    _, url = target
    configure(container, variables={"warroom_url": url})
    clock.set(T0)
    incident_id = open_incident(container)
    worker = Worker(container)
    worker.run_until_idle()
    worker.run_until_idle()  # nothing runs twice
    with container.db.read() as session:
        rows = guide.results(session=session, incident_id=incident_id)
        audits = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "incident.diagnose")
        ).all()
    by_step = {r.step: r for r in rows}
    assert sorted(by_step) == ["error_rate_by_version", "recent_changes", "warroom_ready"]
    assert {r.runbook for r in rows} == {"high-error-rate"}
    assert {r.trigger for r in rows} == {"open"}
    health = by_step["warroom_ready"]
    assert (health.status, health.kind) == ("ok", "http")
    assert '"database":"sqlite"' in health.output
    promql = by_step["error_rate_by_version"]
    assert promql.status == "error"
    assert "set runbooks.prometheus_url" in promql.summary
    events = timeline(container, incident_id)
    assert len(events) == 3
    [event] = [e for e in events if e.data["step"] == "warroom_ready"]
    assert event.message.startswith("Diagnostic warroom_ready (http): ok — HTTP 200 in")
    assert event.data["result_id"] == health.id and event.actor == "warroom:guide"
    assert len(audits) == 3


def test_http_checks_status_body_timeout_and_output_cap(container: Container, target) -> None:
    _, url = target
    configure(
        container,
        diagnostics=[
            {
                "name": "live",
                "kind": "http",
                "url": f"{url}/health/liveness",
                "body_contains": "alive",
            },
            {"name": "ready", "kind": "http", "url": f"{url}/health/readiness"},
            {
                "name": "wrong_body",
                "kind": "http",
                "url": f"{url}/health",
                "body_regex": "degraded",
            },
            {"name": "hang", "kind": "http", "url": f"{url}/hang", "timeout": "200ms"},
            {"name": "big", "kind": "http", "url": f"{url}/big", "max_output_bytes": 300},
            {"name": "nowhere", "kind": "http", "url": "http://127.0.0.1:1/health"},
        ],
    )
    incident_id = open_incident(container)
    found = diagnose(
        container, incident_id, "live", "ready", "wrong_body", "hang", "big", "nowhere"
    )
    assert found["live"].status == "ok"
    assert found["ready"].status == "failed"
    assert "HTTP 503" in found["ready"].summary and "expected status 200" in found["ready"].summary
    assert "database: unreachable" in found["ready"].output
    assert found["wrong_body"].status == "failed"
    assert "body does not match /degraded/" in found["wrong_body"].summary
    assert found["hang"].status == "error"
    assert found["hang"].summary == f"no answer from {url}/hang within 0.2s"
    big = found["big"]
    assert big.status == "ok" and big.truncated
    kept, marker = big.output.split("\n[... ")
    assert len(kept.encode()) == 300 and marker.endswith("more bytes not kept]")
    assert found["nowhere"].status == "error"
    assert found["nowhere"].summary.startswith("cannot reach http://127.0.0.1:1/health")
    statuses = {e.data["step"]: e.data["status"] for e in timeline(container, incident_id)}
    assert statuses == {s: r.status for s, r in found.items()}


def _sql_cases(dialect: str) -> dict[str, str]:
    if dialect == "postgresql":
        return {
            "slow": "SELECT pg_sleep(5)",
            "connections": "SELECT count(*) FROM pg_stat_activity",
        }
    return {
        "slow": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
        "SELECT count(*) FROM c",
        "connections": "SELECT 1",  # SQLite has no server: one connection, ours
    }


def test_sql_health_checks_against_the_database(container: Container, database_url: str) -> None:
    cases = _sql_cases(container.db.dialect)
    configure(
        container,
        databases={"main": database_url, "down": "postgresql+psycopg://app:hunter2@127.0.0.1:1/x"},
        diagnostics=[
            {"name": "ping", "kind": "sql", "database": "main"},
            {"name": "connections", "kind": "sql", "database": "main",
             "query": cases["connections"], "fail_if": {"op": ">", "value": 500}},
            {"name": "open_incidents", "kind": "sql", "database": "main",
             "query": "SELECT count(*) FROM incidents", "fail_if": {"op": ">=", "value": 1}},
            {"name": "slow", "kind": "sql", "database": "main", "query": cases["slow"],
             "timeout": "300ms"},
            {"name": "write", "kind": "sql", "database": "main", "query": "DELETE FROM incidents"},
            {"name": "down", "kind": "sql", "database": "down"},
            {"name": "undeclared", "kind": "sql", "database": "nope"},
        ],
    )  # fmt: skip
    incident_id = open_incident(container)
    found = diagnose(
        container,
        incident_id,
        "ping", "connections", "open_incidents", "slow", "write", "down", "undeclared",
    )  # fmt: skip
    assert (found["ping"].status, found["ping"].summary) == ("ok", "1 row(s); first value 1")
    assert found["connections"].status == "ok"
    assert found["open_incidents"].status == "failed"
    assert found["open_incidents"].summary == "1 row(s); first value 1 (>= 1)"
    assert found["slow"].status == "error"
    assert found["slow"].summary.startswith("query did not finish within 0.3s")
    assert found["write"].status == "error"  # read-only: a diagnostic never changes data
    assert "read-only" in found["write"].summary or "readonly" in found["write"].summary
    with container.db.read() as session:
        assert incidents.get(session=session, incident_id=incident_id)
    assert found["down"].status == "error"
    assert found["undeclared"].summary == (
        "unknown database 'nope': declare it under runbooks.databases (down, main)"
    )
    for event in timeline(container, incident_id):
        assert "hunter2" not in str(event.data) and "hunter2" not in event.message


def test_recent_changes_from_the_registry_and_git(
    container: Container, clock, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    _git_repo(
        repo, [("old fix", T0 - timedelta(hours=30)), ("bump model", T0 - timedelta(hours=1))]
    )
    configure(container, repository=str(repo))
    with container.db.session() as session:
        registry.create_service(
            session=session, spec=ServiceCreate(name="fraud"), actor="t", now=T0
        )
        for version, at in (("v1", T0 - timedelta(hours=30)), ("v2", T0 - timedelta(hours=2))):
            spec = DeployRequest(version=version, artifact="tests.support.models:broken")
            registry.deploy(session=session, service="fraud", spec=spec, actor="ci", now=at)
        session.add(_rollback(T0 - timedelta(minutes=30)))
    incident_id = open_incident(container)
    [result] = diagnose(container, incident_id, "recent_changes").values()
    assert result.status == "ok"
    assert result.summary == (
        "1 deployment change(s), 1 rollback(s), 1 commit(s) of fraud in the last 24h"
    )
    assert "deploy fraud v2 by ci" in result.output
    assert "deploy fraud v1" not in result.output  # 30 h ago: outside the window
    assert "rollback #" in result.output and "v2 -> v1 (manual, succeeded)" in result.output
    assert "bump model" in result.output and "old fix" not in result.output


def test_shell_steps_quote_values_time_out_and_cap_output(container: Container) -> None:
    configure(
        container,
        diagnostics=[
            {"name": "echo", "kind": "shell", "command": "echo service=$service note=$note"},
            {"name": "exit3", "kind": "shell", "command": "echo broken; exit 3"},
            {"name": "sleepy", "kind": "shell", "command": "sleep 30", "timeout": "300ms"},
            {"name": "noisy", "kind": "shell", "command": "yes | head -c 100000",
             "max_output_bytes": 200},
            {"name": "secret", "kind": "shell", "command": "echo postgresql://app:hunter2@db/x"},
        ],
        databases={"main": "postgresql+psycopg://app:hunter2@db/x"},
    )  # fmt: skip
    incident_id = open_incident(container, labels={"note": "x; touch pwned"})
    found = diagnose(container, incident_id, "echo", "exit3", "sleepy", "noisy", "secret")
    assert found["echo"].status == "ok"
    assert "service=fraud note=x; touch pwned\n" in found["echo"].output  # an argument, not code
    assert (found["exit3"].status, found["exit3"].summary) == ("failed", "exit status 3")
    assert found["sleepy"].status == "error"
    assert found["sleepy"].summary == "command did not finish within 0.3s"
    noisy = found["noisy"]
    assert noisy.truncated and noisy.output.endswith("more bytes not kept]")
    assert len(noisy.output.split("\n[... ")[0].encode()) <= 200
    assert "hunter2" not in found["secret"].output and "app:****@db" in found["secret"].output


def _git_repo(path: Path, commits: list[tuple[str, datetime]]) -> None:
    path.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}  # fmt: skip
    subprocess.run(["git", "init", "-q", str(path)], check=True, env=env)
    for message, at in commits:
        stamp = {"GIT_AUTHOR_DATE": at.isoformat(), "GIT_COMMITTER_DATE": at.isoformat()}
        subprocess.run(
            ["git", "-C", str(path), "commit", "-q", "--allow-empty", "-m", message],
            check=True,
            env={**env, **stamp},
        )


def _rollback(at: datetime) -> Rollback:
    return Rollback(
        service="fraud", from_version="v2", to_version="v1", trigger="manual", state="succeeded",
        actor="t", reason="", requested_at=at, snapshot={}, verification={}, steps=[],
    )  # fmt: skip
