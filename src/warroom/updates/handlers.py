"""Cadence job: when an open incident's next update is overdue, remind (once per due time)
the communications lead, else the commander, else the team's room."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.incidents import lifecycle
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, IncidentRole, TimelineEvent
from warroom.jobs.context import JobContext
from warroom.notify import service as outbox
from warroom.playbook.oncall import Contact
from warroom.playbook.schema import Playbook
from warroom.updates import service

ACTOR = "warroom:updates"


def cadence(ctx: JobContext, payload: dict[str, Any]) -> None:
    session, now, playbook = ctx.session, ctx.now, ctx.playbook
    incident = session.get(Incident, payload["incident_id"])
    if incident is None or not lifecycle.is_open(incident.status):
        return
    every = playbook.severity_levels[incident.severity].update_every  # type: ignore[index]
    newest = service.latest(session=session, incident_id=incident.id)
    expected = newest.next_update_at if newest else datetime.fromisoformat(payload["due"])
    if expected is None or expected > now:
        return  # an update was posted since this check was scheduled
    due = expected.isoformat()
    reminded = session.scalars(
        select(TimelineEvent.data).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "cadence_reminder"
        )
    ).all()
    if any(data.get("due") == due for data in reminded):
        return
    text = f"Status update for {incident.id} ({incident.severity}) was due at {due}"
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind="cadence_reminder",
        actor=ACTOR,
        message=text,
        now=now,
        data={"due": due},
    )
    for person, contact in _reminded(session, playbook, incident):
        outbox.queue(
            session=session,
            key=f"cadence:{incident.id}:{due}:{person or 'team'}:{contact.channel}:{contact.to}",
            channel=next(c for c in playbook.channels if c.name == contact.channel),
            to=contact.to,
            subject=f"[{incident.severity}] {incident.id}: status update due",
            body=f"{text}. Post one: warroom incident update {incident.id}",
            now=now,
            incident_id=incident.id,
            person=person,
        )
    if every:
        service.schedule_check(session=session, incident_id=incident.id, due=now + every)


def _reminded(
    session: Session, playbook: Playbook, incident: Incident
) -> list[tuple[str | None, Contact]]:
    """Who hears a missed update: the communications lead, else the incident commander (on
    their contacts), else the team's room."""
    holders = dict(
        session.execute(
            select(IncidentRole.role, IncidentRole.person).where(
                IncidentRole.incident_id == incident.id, IncidentRole.renounced_at.is_(None)
            )
        ).all()
    )
    for role in ("communications_lead", "incident_commander"):
        person = playbook.oncall.person(holders.get(role, ""))
        if person is not None and person.contacts:
            return [(person.name, c) for c in person.contacts]
    team = playbook.oncall.team(incident.team)
    return [(None, team.channel)] if team and team.channel else []
