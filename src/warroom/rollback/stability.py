"""Resolve an incident once it stayed quiet for the stability window after a verified rollback.

The AI photo detector playbook's "Resolve" step: confirm the fix via metrics, monitor for 30
minutes, close. When a
verified rollback moves an incident to monitoring, ``schedule`` enqueues a durable job in the
same transaction, due after the playbook's ``rollback.stability_window``. The job resolves the
incident (actor ``warroom:recovery``, audited, on the timeline) only if it is still in
monitoring, no alert of it is firing and none fired again since the rollback was verified.
Otherwise it writes why on the timeline and leaves the incident to people: an alert that came
back means the rollback did not fix everything, and a person should look before it closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.jobs import service as jobs
from warroom.jobs.context import JobContext
from warroom.playbook.durations import format_duration
from warroom.playbook.schema import Playbook

ACTOR = "warroom:recovery"
RESOLVE_IF_STABLE = "recovery.resolve_if_stable"


@dataclass(frozen=True)
class Verdict:
    resolve: bool
    reason: str


def judge(
    *,
    status: str,
    since: datetime,
    last_alert_at: datetime | None,
    firing: int,
    window: timedelta,
) -> Verdict:
    """Whether a monitored incident is stable enough to resolve; pure."""
    if status != "monitoring":
        return Verdict(False, f"incident is {status}, no longer monitoring")
    if last_alert_at is not None and last_alert_at > since:
        return Verdict(
            False,
            f"an alert fired again at {last_alert_at.isoformat()} during the stability window",
        )
    if firing:
        return Verdict(False, f"{firing} alert(s) of the incident still firing")
    return Verdict(True, f"stable for {format_duration(window)} after the verified rollback")


def schedule(
    *, session: Session, incident: Incident, playbook: Playbook, rollback_id: int, now: datetime
) -> None:
    """Enqueue the stability check (no-op when the playbook leaves resolution to people)."""
    window = playbook.rollback.stability_window
    if window is None:
        return
    jobs.enqueue(
        session=session,
        kind=RESOLVE_IF_STABLE,
        payload={
            "incident_id": incident.id,
            "since": now.isoformat(),
            "window_s": window.total_seconds(),
            "rollback_id": rollback_id,
        },
        due_at=now + window,
        key=f"stable:{incident.id}:{rollback_id}",
    )
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind="stability_window",
        actor=ACTOR,
        message=f"Monitoring for {format_duration(window)}: resolved automatically if no alert "
        "fires again",
        now=now,
        data={"window_s": window.total_seconds(), "due_at": (now + window).isoformat()},
    )


def resolve_if_stable(ctx: JobContext, payload: dict[str, Any]) -> None:
    """The job: resolve, or say on the timeline why not. Idempotent (status is checked)."""
    session, now = ctx.session, ctx.now
    incident = session.get(Incident, payload["incident_id"])
    if incident is None or incident.status != "monitoring":
        return
    firing = session.scalar(
        select(func.count())
        .select_from(Alert)
        .where(Alert.incident_id == incident.id, Alert.status == "firing")
    )
    verdict = judge(
        status=incident.status,
        since=datetime.fromisoformat(payload["since"]),
        last_alert_at=incident.last_alert_at,
        firing=int(firing or 0),
        window=timedelta(seconds=float(payload["window_s"])),
    )
    if verdict.resolve:
        incidents.change_status(
            session=session,
            incident_id=incident.id,
            status="resolved",
            actor=ACTOR,
            now=now,
            message=verdict.reason,
            playbook=ctx.playbook,
        )
        return
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind="stability_window",
        actor=ACTOR,
        message=f"Not resolved automatically: {verdict.reason}; a person decides",
        now=now,
        data={"resolve": False, "reason": verdict.reason},
    )
