"""Jobs of the response use case: page one escalation level (:mod:`.escalation`); check
the ack deadline. And paging someone by hand.

Both jobs run in the job's transaction and check before they write, so a retried job neither
pages twice nor writes a second timeline entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.errors import NotFound
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, TimelineEvent
from warroom.jobs.context import JobContext
from warroom.oncall import routing
from warroom.playbook.oncall import Level, Target
from warroom.playbook.schema import Playbook
from warroom.response import escalation
from warroom.response.escalation import ACTOR


def escalate(ctx: JobContext, payload: dict[str, Any]) -> None:
    escalation.step(ctx.session, ctx.playbook, payload, ctx.now)


def ack_deadline(ctx: JobContext, payload: dict[str, Any]) -> None:
    session = ctx.session
    incident = session.get(Incident, payload["incident_id"])
    if not escalation.unacknowledged(incident):
        return
    assert incident is not None
    missed = session.scalars(
        select(TimelineEvent.data).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "ack_deadline_missed"
        )
    )
    if any(data.get("deadline") == payload["deadline"] for data in missed):
        return  # a raised severity has a deadline of its own; each is recorded once
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind="ack_deadline_missed",
        actor=ACTOR,
        message=f"Not acknowledged within the {incident.severity} response time "
        f"(deadline {payload['deadline']})",
        now=ctx.now,
        data={"severity": incident.severity, "deadline": payload["deadline"]},
    )


def page_now(
    *,
    session: Session,
    playbook: Playbook,
    incident_id: str,
    target: str,
    actor: str,
    now: datetime,
) -> list[str]:
    """Page a person, or a team's on-call (its first on-call role), for an incident now, by
    hand; the people paged. NotFound when the name is neither a person nor a team."""
    incident = incidents.get(session=session, incident_id=incident_id)
    oncall = playbook.oncall
    team = oncall.team(target)
    if oncall.person(target) is not None:
        people = [target]
    elif team is not None and team.oncall:
        role = "primary" if "primary" in team.oncall else next(iter(team.oncall))
        level = Level.model_validate({"after": "0m", "targets": [Target(oncall=role)]})
        people = routing.people_for(oncall, team, level, now)
    else:
        raise NotFound(f"{target!r} is neither a person nor a team with an on-call schedule")
    for person in people:
        escalation.page(session, playbook, incident, person, 0, f"manual:{now.isoformat()}", now)
    audit.record(
        session=session,
        actor=actor,
        action="incident.page",
        target=incident.id,
        now=now,
        people=people,
        manual=True,
    )
    return people
