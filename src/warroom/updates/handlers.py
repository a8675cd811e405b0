"""Cadence job: when an open incident's next update is overdue, remind (once per due time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from warroom.incidents import lifecycle
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, TimelineEvent
from warroom.notify import service as outbox
from warroom.updates import service
from warroom.worker.context import JobContext

ACTOR = "warroom:updates"


def cadence(ctx: JobContext, payload: dict[str, Any]) -> None:
    session, now, playbook = ctx.session, ctx.now, ctx.container.playbook
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
    team = playbook.oncall.team(incident.team)
    channel = next(
        (c for c in playbook.channels if team and team.channel and c.name == team.channel.channel),
        None,
    )
    if team and team.channel and channel:
        outbox.queue(
            session=session,
            key=f"cadence:{incident.id}:{due}",
            channel=channel,
            to=team.channel.to,
            subject=f"[{incident.severity}] {incident.id}: status update due",
            body=f"{text}. Post one: warroom incident update {incident.id}",
            now=now,
            incident_id=incident.id,
        )
    if every:
        service.schedule_check(session=session, incident_id=incident.id, due=now + every)
