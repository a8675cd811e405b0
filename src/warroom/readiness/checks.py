"""Readiness checks as plain functions over facts: each answers ok or not, and why.

Protocol 25's Gate 1 (classification configured, on-call rotation established, rollback tested,
communication channels configured) and the ML platform runbook's validation checklist and monthly
drills.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from warroom.playbook.durations import format_duration
from warroom.playbook.oncall import Oncall
from warroom.readiness.coverage import Gap, gaps


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def report(checks: list[Check]) -> dict[str, Any]:
    """The one JSON object ``warroom readiness --json`` prints."""
    return {"ready": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}


def playbook_check(source: str, problems: list[str]) -> Check:
    if problems:
        return Check("playbook", False, f"{source} is invalid: " + "; ".join(problems))
    return Check("playbook", True, f"{source} is valid")


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _gap_text(found: list[Gap]) -> str:
    shown = ", ".join(f"{_when(g.start)} → {_when(g.end)}" for g in found[:3])
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return f"nobody on call {shown}{more}"


def oncall_checks(oncall: Oncall, *, now: datetime, horizon: timedelta) -> list[Check]:
    """One check per team: every on-call role's schedule covers [now, now + horizon)."""
    if not oncall.teams:
        return [Check("oncall", False, "no teams in the playbook: nobody would be paged")]
    end = now + horizon
    checks = []
    for team in oncall.teams:
        name = f"oncall:{team.name}"
        if not team.oncall:
            checks.append(Check(name, False, "the team has no on-call schedule"))
            continue
        problems = []
        for role, schedule_name in team.oncall.items():
            schedule = oncall.schedule(schedule_name)
            if schedule is None:  # the playbook validator refuses this; kept for safety
                problems.append(f"{role}: unknown schedule {schedule_name}")
                continue
            found = gaps(schedule, now, end)
            if found:
                problems.append(f"{role} ({schedule_name}): {_gap_text(found)}")
        span = format_duration(horizon)
        if problems:
            checks.append(Check(name, False, f"gaps in the next {span}: " + "; ".join(problems)))
        else:
            roles = ", ".join(team.oncall)
            checks.append(Check(name, True, f"{roles} covered for the next {span}"))
    return checks


def channel_check(name: str, kind: str, *, error: str | None, sent: bool) -> Check:
    """A channel is ready when it can be built (type known, secrets set) and, when a test
    message was asked for, it accepted one."""
    if error is not None:
        return Check(f"channel:{name}", False, f"{kind}: {error}")
    if kind == "log":  # works, but reaches nobody: the paging checks say who relies on it
        return Check(f"channel:{name}", True, "log: writes to warroom's log only, reaches nobody")
    if sent:
        return Check(f"channel:{name}", True, f"{kind}: accepted a test message")
    return Check(f"channel:{name}", True, f"{kind}: configured (--send-test sends a message)")


def service_check(
    name: str,
    backend: str,
    *,
    target: str | None,
    skipped: list[str],
    backend_error: str | None,
) -> Check:
    """A model service is ready when it has a stable rollback target and its backend can
    prepare a rollback to it (the read-only first step of every rollback)."""
    if target is None:
        why = "; ".join(skipped) or "no earlier version"
        return Check(f"service:{name}", False, f"no stable version to roll back to ({why})")
    if backend_error is not None:
        return Check(f"service:{name}", False, f"{backend} backend not ready: {backend_error}")
    return Check(f"service:{name}", True, f"rolls back to {target} through {backend}")


def no_services_check() -> Check:
    return Check("services", True, "no model services registered: nothing to roll back")


def drill_check(
    last: datetime | None, scenario: str | None, *, now: datetime, max_age: timedelta
) -> Check:
    """The newest ``drill.completed`` must be at most ``max_age`` old; never drilled is not
    ready."""
    if last is None:
        return Check("drill", False, "no drill has ever completed (run `warroom drill`)")
    age = now - last
    shown = format_duration(timedelta(minutes=int(age.total_seconds() // 60)))
    what = f"last drill ({scenario})" if scenario else "last drill"
    text = f"{what} completed {_when(last)}, {shown} ago"
    if age > max_age:
        return Check("drill", False, f"{text}: older than {format_duration(max_age)}")
    return Check("drill", True, text)
