"""What changed recently: deploys and rollbacks from warroom's own registry, and the commits
of a configured git repository (the ML platform runbook: "check recent deployments", ``git log
--since``)."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta

from sqlalchemy import select

from warroom.deploy.models import DeploymentEvent, Rollback
from warroom.errors import DiagnosticError
from warroom.guide.diagnostics.base import Outcome, Target
from warroom.playbook.guide import RecentChangesStep

MAX_ROWS = 100
MAX_COMMITS = 50


def run(step: RecentChangesStep, target: Target) -> Outcome:
    since = target.now - timedelta(hours=step.hours)
    service = step.service or target.service
    events, rollbacks = _registry(target, service, since)
    repository = step.repository or target.policy.repository
    commits = _git_log(repository, since.isoformat(), target.timeout) if repository else []
    scope = f"of {service}" if service else "of any service"
    window = f"in the last {step.hours:g}h"
    parts = [f"{len(events)} deployment change(s)", f"{len(rollbacks)} rollback(s)"]
    if repository:
        parts.append(f"{len(commits)} commit(s)")
    lines = [f"Changes {scope} {window} (since {since.isoformat()}):", ""]
    lines += events or ["no deployment change"]
    lines += ["", *(rollbacks or ["no rollback"])]
    if repository:
        lines += ["", f"git log {repository}:", *(commits or ["no commit"])]
    return Outcome("ok", f"{', '.join(parts)} {scope} {window}", output="\n".join(lines))


def _registry(target: Target, service: str | None, start: datetime) -> tuple[list[str], list[str]]:
    events = select(DeploymentEvent).where(DeploymentEvent.at >= start)
    rollbacks = select(Rollback).where(Rollback.requested_at >= start)
    if service:
        events = events.where(DeploymentEvent.service == service)
        rollbacks = rollbacks.where(Rollback.service == service)
    with target.db.read() as session:
        found = session.scalars(events.order_by(DeploymentEvent.at).limit(MAX_ROWS)).all()
        backs = session.scalars(rollbacks.order_by(Rollback.requested_at).limit(MAX_ROWS)).all()
        return (
            [
                f"{e.at.isoformat()} {e.kind} {e.service} {e.version or '-'} by {e.actor}"
                for e in found
            ],
            [
                f"{r.requested_at.isoformat()} rollback #{r.id} {r.service} "
                f"{r.from_version or '?'} -> {r.to_version} ({r.trigger}, {r.state})"
                for r in backs
            ],
        )


def _git_log(repository: str, since: str, timeout: float) -> list[str]:
    command = [
        "git",
        "-C",
        repository,
        "log",
        f"--since={since}",
        f"--max-count={MAX_COMMITS}",
        "--format=%h %cI %an %s",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise DiagnosticError(f"git log {repository} did not finish within {timeout:g}s") from None
    except OSError as exc:
        raise DiagnosticError(f"cannot run git: {exc.strerror}") from None
    if done.returncode != 0:
        problem = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise DiagnosticError(f"git log {repository} failed: {problem}")
    return done.stdout.splitlines()
