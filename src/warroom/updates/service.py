"""Status updates: post (timeline, audit, incident moves forward, sent to the team's room,
stakeholders and, when public, customers through the outbox), list, cadence checks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.errors import Conflict
from warroom.incidents import lifecycle
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, IncidentRole
from warroom.jobs import service as jobs
from warroom.notify import service as outbox
from warroom.playbook.oncall import Contact, Team
from warroom.playbook.schema import Playbook
from warroom.updates.models import IncidentUpdate, IncidentUpdateCreate
from warroom.updates.render import render

CADENCE = "updates.cadence"


def schedule_check(*, session: Session, incident_id: str, due: datetime) -> None:
    """Enqueue a cadence check for ``due`` (once per incident and due time)."""
    jobs.enqueue_later(
        session=session,
        kind=CADENCE,
        payload={"incident_id": incident_id, "due": due.isoformat()},
        due_at=due,
        key=f"cadence:{incident_id}:{due.isoformat()}",
    )


def post(
    *,
    session: Session,
    incident_id: str,
    spec: IncidentUpdateCreate,
    actor: str,
    now: datetime,
    playbook: Playbook,
) -> IncidentUpdate:
    """Post a status update; the incident moves forward to the update's status if behind."""
    incident = incidents.get(session=session, incident_id=incident_id, for_update=True)
    if incident.status == "closed":
        raise Conflict(f"incident {incident_id} is closed: no more updates")
    if lifecycle.RANK[spec.status] > lifecycle.RANK[incident.status]:
        incidents.change_status(
            session=session,
            incident_id=incident_id,
            status=spec.status,
            actor=actor,
            now=now,
            playbook=playbook,
        )
    every = playbook.severity_levels[incident.severity].update_every  # type: ignore[index]
    next_at = spec.next_update_at
    if next_at is None and every and spec.status != "resolved":
        next_at = now + every
    update = IncidentUpdate(
        incident_id=incident_id,
        status=spec.status,
        message=spec.message,
        impact=spec.impact,
        next_update_at=next_at,
        public=spec.public,
        posted_by=actor,
        posted_at=now,
    )
    session.add(update)
    session.flush()
    incidents.add_event(
        session=session,
        incident_id=incident_id,
        kind="update",
        actor=actor,
        message=f"{'Public' if spec.public else 'Internal'} update ({spec.status}): {spec.message}",
        now=now,
        data={"update_id": update.id, "status": spec.status, "public": spec.public},
    )
    audit.record(
        session=session,
        actor=actor,
        action="incident.update",
        target=incident_id,
        now=now,
        update_id=update.id,
        public=spec.public,
    )
    if next_at is not None:
        schedule_check(session=session, incident_id=incident_id, due=next_at)
    send(session=session, incident=incident, update=update, playbook=playbook, now=now)
    return update


def audiences(team: Team | None, public: bool) -> list[tuple[str, Contact]]:
    """(audience, contact) pairs an update goes to: the team room, its stakeholders, and its
    customers when the update is public."""
    if team is None:
        return []
    out = [("internal", team.channel)] if team.channel else []
    out += [("stakeholders", c) for c in team.stakeholders]
    out += [("customers", c) for c in team.customers] if public else []
    return out


def send(
    *,
    session: Session,
    incident: Incident,
    update: IncidentUpdate,
    playbook: Playbook,
    now: datetime,
) -> int:
    """Queue the update, rendered per audience, in the outbox (same transaction); how many."""
    channels = {c.name: c for c in playbook.channels}
    roles = dict(
        session.execute(
            select(IncidentRole.role, IncidentRole.person).where(
                IncidentRole.incident_id == incident.id, IncidentRole.renounced_at.is_(None)
            )
        ).all()
    )
    count = 0
    for audience, contact in audiences(playbook.oncall.team(incident.team), update.public):
        text = render(audience, incident=incident, update=update, roles=roles, now=now)
        outbox.queue(
            session=session,
            key=f"update:{update.id}:{audience}:{contact.channel}:{contact.to}"[:300],
            channel=channels[contact.channel],
            to=contact.to,
            subject=text.subject,
            body=text.body,
            now=now,
            incident_id=incident.id,
        )
        count += 1
    return count


def list_updates(
    *, session: Session, incident_id: str, public_only: bool = False
) -> list[IncidentUpdate]:
    """An incident's updates, oldest first."""
    incidents.get(session=session, incident_id=incident_id)
    query = select(IncidentUpdate).where(IncidentUpdate.incident_id == incident_id)
    if public_only:
        query = query.where(IncidentUpdate.public.is_(True))
    return list(session.scalars(query.order_by(IncidentUpdate.id)))


def latest(*, session: Session, incident_id: str) -> IncidentUpdate | None:
    """The incident's newest update."""
    query = select(IncidentUpdate).where(IncidentUpdate.incident_id == incident_id)
    return session.scalars(query.order_by(IncidentUpdate.id.desc()).limit(1)).first()
