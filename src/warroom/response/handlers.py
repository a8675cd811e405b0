"""Jobs of the response use case: page one escalation level; check the ack deadline.

Both run in the job's transaction and check before they write, so a retried job neither
pages twice nor writes a second timeline entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.errors import NotFound
from warroom.incidents import lifecycle
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, TimelineEvent
from warroom.jobs import service as jobs
from warroom.jobs.context import JobContext
from warroom.notify import service as outbox
from warroom.oncall import routing
from warroom.playbook.oncall import Level, Target
from warroom.playbook.schema import Playbook
from warroom.playbook.terms import severity_rank
from warroom.response import service as response
from warroom.response.service import ACTOR, ESCALATE


def _unacknowledged(incident: Incident | None) -> bool:
    # Automation moving the incident on (a rollback) is not an acknowledgement: keep paging.
    return (
        incident is not None
        and incident.acknowledged_at is None
        and lifecycle.is_open(incident.status)
    )


def escalate(ctx: JobContext, payload: dict[str, Any]) -> None:
    session, playbook, now = ctx.session, ctx.playbook, ctx.now
    incident = session.get(Incident, payload["incident_id"])
    policy = playbook.oncall.policy(payload["policy"])
    if not _unacknowledged(incident) or policy is None:
        return
    assert incident is not None
    if _superseded(session, incident.id, payload):
        return
    # A chain started by a severity raise counts from the raise and has its own keys.
    tag = f"{payload['severity']}:" if "since" in payload else ""
    base = datetime.fromisoformat(payload["since"]) if "since" in payload else incident.detected_at
    levels = routing.levels_for(policy, incident.severity)
    current = routing.step(policy, levels, payload["level"], payload["cycle"]) if levels else None
    if current is None or current.level >= len(levels):
        return
    people = routing.people_for(
        playbook.oncall, playbook.oncall.team(incident.team), levels[current.level], now
    )
    if current.level or current.cycle or not people:
        who = ", ".join(people) or "nobody (no one on call for this level)"
        incidents.add_event(
            session=session,
            incident_id=incident.id,
            kind="escalation",
            actor=ACTOR,
            message=f"Escalation level {current.level} (cycle {current.cycle}): paging {who}",
            now=now,
            data={"level": current.level, "cycle": current.cycle, "people": people},
        )
    for person in people:
        step = f"{tag}{current.cycle}:{current.level}"
        _page(session, playbook, incident, person, current.level, step, now)
    audit.record(
        session=session,
        actor=ACTOR,
        action="incident.page",
        target=incident.id,
        now=now,
        level=current.level,
        cycle=current.cycle,
        people=people,
    )
    following = routing.next_step(policy, levels, current)
    if following is not None:
        jobs.enqueue(
            session=session,
            kind=ESCALATE,
            payload={**payload, "level": following.level, "cycle": following.cycle},
            due_at=base + following.offset,
            key=f"esc:{incident.id}:{tag}{following.cycle}:{following.level}",
        )


def _superseded(session: Session, incident_id: str, payload: dict[str, Any]) -> bool:
    """A chain stops once a chain for a more severe severity started (a raise re-paged)."""
    if "severity" not in payload:
        return False
    mine = severity_rank(payload["severity"])
    return any(severity_rank(s) < mine for s in response.paged_severities(session, incident_id))


def _page(
    session: Session,
    playbook: Playbook,
    incident: Incident,
    person: str,
    level: int,
    step: str,
    now: datetime,
) -> None:
    found = playbook.oncall.person(person)
    channels = {c.name: c for c in playbook.channels}
    subject = f"[{incident.severity}] {incident.id}: {incident.title}"[:300]
    body = (
        f"{incident.title}\nSeverity {incident.severity}, service {incident.service or '-'}, "
        f"team {incident.team or '-'}, escalation level {level}.\n"
        f"Acknowledge: warroom incident ack {incident.id}"
    )
    for contact in found.contacts if found else []:
        channel = channels[contact.channel]
        row, new = outbox.queue(
            session=session,
            key=f"page:{incident.id}:{step}:{person}:{contact.channel}:{contact.to}"[:300],
            channel=channel,
            to=contact.to,
            subject=subject,
            body=body,
            now=now,
            incident_id=incident.id,
            person=person,
            level=level,
        )
        if not new:
            continue
        incidents.add_event(
            session=session,
            incident_id=incident.id,
            kind="page",
            actor=ACTOR,
            message=f"Paged {person} via {channel.name} (level {level})",
            now=now,
            data={
                "person": person,
                "channel": channel.name,
                "target": row.target,
                "level": level,
                "notification_id": row.id,
            },
        )


def ack_deadline(ctx: JobContext, payload: dict[str, Any]) -> None:
    session = ctx.session
    incident = session.get(Incident, payload["incident_id"])
    if not _unacknowledged(incident):
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
        _page(session, playbook, incident, person, 0, f"manual:{now.isoformat()}", now)
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
