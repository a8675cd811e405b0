"""Status updates: post (timeline, audit, incident moves forward), list, cadence checks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.errors import Conflict
from warroom.incidents import lifecycle
from warroom.incidents import service as incidents
from warroom.playbook.schema import Playbook
from warroom.updates.models import IncidentUpdate, IncidentUpdateCreate
from warroom.worker import service as jobs

CADENCE = "updates.cadence"


def schedule_check(*, session: Session, incident_id: str, due: datetime) -> None:
    """Enqueue a cadence check for ``due`` (once per incident and due time)."""
    jobs.enqueue(
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
            session=session, incident_id=incident_id, status=spec.status, actor=actor, now=now
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
    return update


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
