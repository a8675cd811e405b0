"""`warroom readiness` against a real database: not ready for the right reasons, then ready."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import free_port
from tests.support.receiver import Receiver
from warroom.audit import service as audit
from warroom.bootstrap import Container
from warroom.deploy import registry
from warroom.deploy.models import DeployRequest, ModelService, ServiceCreate
from warroom.playbook.loader import default_playbook_text

MODEL = "tests.support.models:slow"  # a module:callable the gateway backend can load


def readiness(container: Container, playbook: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WARROOM_DATABASE_URL": container.settings.resolved_database_url,
        "WARROOM_HOME": str(container.settings.resolved_home),
        "WARROOM_PLAYBOOK": str(playbook),
        "COLUMNS": "400",
    }
    command = [sys.executable, "-m", "warroom", "readiness", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def write_playbook(
    path: Path, *, secondary_start: datetime, webhooks: dict[str, str], real_people: bool = True
) -> Path:
    """The shipped playbook with two changes; ``real_people``: everyone is paged through the
    first webhook instead of the shipped placeholders' ``log`` channel."""
    data: dict[str, Any] = yaml.safe_load(default_playbook_text())
    for schedule in data["oncall"]["schedules"]:
        if schedule["name"] == "backend-secondary":
            schedule["layers"][0]["start"] = secondary_start.isoformat()
    data["channels"] += [{"name": n, "type": "webhook", "url": u} for n, u in webhooks.items()]
    if real_people:
        first = next(iter(webhooks))
        for person in data["oncall"]["people"]:
            person["contacts"] = [{"channel": first, "to": person["name"]}]
    path.write_text(yaml.safe_dump(data))
    return path


def deploy(
    container: Container, name: str, version: str, *, stable: bool = False, **spec: Any
) -> None:
    now = datetime.now(UTC)
    with container.db.session() as session:
        if session.get(ModelService, name) is None:
            create = ServiceCreate(name=name, **spec)
            registry.create_service(session=session, spec=create, actor="test", now=now)
        request = DeployRequest(version=version, artifact=MODEL)
        registry.deploy(session=session, service=name, spec=request, actor="test", now=now)
        if stable:
            registry.mark_stable(
                session=session, service=name, version=version, actor="test", now=now
            )


def by_name(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    report = json.loads(result.stdout)
    return {c["name"]: c for c in report["checks"]}


def test_not_ready_for_each_missing_piece_then_ready(container: Container, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    receiver = Receiver()
    hook = receiver.start()
    script = tmp_path / "rollback.sh"
    deploy(container, "fraud", "v1", stable=True)
    deploy(container, "fraud", "v2")
    deploy(container, "churn", "v1")  # only one version: nothing to roll back to
    command = {"backend": "command", "backend_config": {"command": str(script)}}
    deploy(container, "scorer", "v1", stable=True, **command)
    deploy(container, "scorer", "v2")
    gap = write_playbook(
        tmp_path / "gap.yaml",
        secondary_start=now + timedelta(days=3),
        webhooks={"pager": hook, "dead": f"http://127.0.0.1:{free_port()}/hook"},
    )

    broken = readiness(container, gap, "--json", "--send-test")
    assert broken.returncode == 1, broken.stderr
    assert json.loads(broken.stdout)["ready"] is False
    checks = by_name(broken)
    assert checks["playbook"]["ok"]
    assert not checks["oncall:backend"]["ok"]
    assert "secondary (backend-secondary): nobody on call" in checks["oncall:backend"]["detail"]
    assert checks["oncall:ml-engineering"]["ok"] and checks["oncall:infrastructure"]["ok"]
    assert not checks["service:churn"]["ok"]
    assert "no stable version to roll back to" in checks["service:churn"]["detail"]
    assert checks["service:fraud"]["ok"], checks["service:fraud"]
    assert "rolls back to v1 through gateway" in checks["service:fraud"]["detail"]
    assert not checks["service:scorer"]["ok"]
    assert "missing or not executable" in checks["service:scorer"]["detail"]
    assert checks["channel:pager"]["ok"] and not checks["channel:dead"]["ok"]
    assert len(receiver.received) == 1
    with container.db.read() as session:
        (sent,) = audit.list_events(session=session, action="readiness.test_message")
    assert sent.details == {"sent": ["log", "pager"], "failed": ["dead"]}
    assert not checks["drill"]["ok"] and "no drill has ever completed" in checks["drill"]["detail"]
    assert "not ready: oncall:backend, channel:dead, service:churn, service:scorer, drill" in (
        broken.stderr
    )

    # Put every piece in place: coverage, a stable version, the script, a recent drill.
    deploy(container, "churn", "v2")
    with container.db.session() as session:
        registry.mark_stable(session=session, service="churn", version="v1", actor="t", now=now)
        audit.record(
            session=session,
            actor="cli:test",
            action="drill.completed",
            target="rollback",
            now=now - timedelta(days=3),
        )
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    good = write_playbook(
        tmp_path / "good.yaml", secondary_start=now - timedelta(days=3), webhooks={"pager": hook}
    )
    ready = readiness(container, good)
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert "NOT READY" not in ready.stdout
    assert "last drill (rollback) completed" in ready.stdout
    assert "webhook: configured (--send-test sends a message)" in ready.stdout
    assert len(receiver.received) == 1  # no test message without --send-test
    receiver.stop()


def test_the_shipped_placeholders_are_not_ready_and_named(
    container: Container, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    hook = f"http://127.0.0.1:{free_port()}/hook"
    shipped = write_playbook(
        tmp_path / "shipped.yaml", secondary_start=now, webhooks={"pager": hook}, real_people=False
    )
    result = readiness(container, shipped, "--json")
    assert result.returncode == 1, result.stderr
    checks = by_name(result)
    assert checks["oncall:backend"]["ok"]  # the rotation has no gap: it pages placeholders
    for team in ("backend", "ml-engineering", "infrastructure"):
        assert not checks[f"paging:{team}"]["ok"]
    assert "alice: log only writes to warroom's log" in checks["paging:backend"]["detail"]
    assert checks["channel:log"]["detail"] == "log: writes to warroom's log only, reaches nobody"
    assert "not ready: paging:backend, paging:ml-engineering, paging:infrastructure" in (
        result.stderr
    )
