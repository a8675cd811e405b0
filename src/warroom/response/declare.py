"""Declaring an incident by hand: a person opens one without any alert.

The declared incident is then handled exactly like one an alert opened: routed to a team by
the playbook's routes, paged by the escalation policy of its severity, given its ack
deadline, update cadence, war room and checklists. The declaration itself is on the
timeline ("Declared by ...") and in the audit log, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.incidents import ids
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, IncidentDeclare
from warroom.playbook.schema import Playbook
from warroom.response import service as response
from warroom.storage.engine import Database

KIND = "declared"
ATTEMPTS = 3


def declare_committed(
    *, db: Database, spec: IncidentDeclare, actor: str, now: datetime, playbook: Playbook
) -> str:
    """Declare in a transaction of its own and commit; the new incident's id. Two processes
    taking the same id in the same second is retried: the loser sees the winner's row."""
    for attempt in range(ATTEMPTS):
        try:
            with db.session() as session:
                return declare(
                    session=session, spec=spec, actor=actor, now=now, playbook=playbook
                ).id
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def declare(
    *, session: Session, spec: IncidentDeclare, actor: str, now: datetime, playbook: Playbook
) -> Incident:
    """Open an incident for a person and run the follow-up an alert-opened one gets.
    InvalidInput when the commander named is unknown (nothing is stored then)."""
    if spec.commander is not None:
        incidents.require_person(playbook, spec.commander)
    incident = _new_incident(session, spec, now)
    response.route(incident=incident, playbook=playbook, alertname="")
    session.add(incident)
    session.flush()
    _record(session, incident, spec, actor, now)
    incidents.enter_phase(session=session, incident=incident, playbook=playbook, now=now)
    response.on_incident_opened(session=session, incident=incident, playbook=playbook, now=now)
    if spec.commander is not None:
        incidents.assign_role(
            session=session,
            incident_id=incident.id,
            role="incident_commander",
            person=spec.commander,
            actor=actor,
            now=now,
            playbook=playbook,
        )
    return incident


def _new_incident(session: Session, spec: IncidentDeclare, now: datetime) -> Incident:
    return Incident(
        id=ids.next_id(session=session, at=now, reserved=set()),
        title=spec.title,
        severity=spec.severity,
        status="triggered",
        service=spec.service,
        group_key=None,  # alerts never join a declared incident by themselves
        started_at=now,
        detected_at=now,
        last_alert_at=now,
        updated_at=now,
        metrics={},
        labels={"declared": "true"},
    )


def _record(
    session: Session, incident: Incident, spec: IncidentDeclare, actor: str, now: datetime
) -> None:
    said = f": {spec.summary}" if spec.summary else ""
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind=KIND,
        actor=actor,
        message=f"Declared by {actor} as {spec.severity} on {spec.service}{said}",
        now=now,
        data={"severity": spec.severity, "service": spec.service, "summary": spec.summary},
    )
    audit.record(
        session=session,
        actor=actor,
        action="incident.declare",
        target=incident.id,
        now=now,
        severity=spec.severity,
        service=spec.service,
        title=spec.title,
    )
