"""Incident operations: lookups and every change a person or automation makes.

Each change writes a timeline event and an audit event in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from warroom.alerts.models import Alert
from warroom.audit import service as audit
from warroom.errors import Conflict, InvalidInput, NotFound
from warroom.incidents import lifecycle, phases, timeline
from warroom.incidents.models import Incident, IncidentRole, TimelineEvent
from warroom.playbook.schema import Playbook
from warroom.playbook.terms import severity_rank
from warroom.storage.paging import Key, Page, paginate_segments
from warroom.tasks import autocheck, checklists
from warroom.tasks import service as tasks

# The timeline lives in its own module; most callers know it as ``incidents.add_event``.
add_event = timeline.add_event
add_event_later = timeline.add_event_later
enter_phase = phases.enter_phase
enter_opened = phases.enter_opened
is_automation = timeline.is_automation
AUTOMATION_PREFIXES = timeline.AUTOMATION_PREFIXES

#: Lists show open incidents (not resolved yet) before resolved ones, newest first in each.
OPEN_FIRST = (Incident.resolved_at.is_(None), Incident.resolved_at.is_not(None))
NEWEST_FIRST = (Key(Incident.detected_at), Key(Incident.id))


def get(*, session: Session, incident_id: str, for_update: bool = False) -> Incident:
    """The incident, or NotFound."""
    query = select(Incident).where(Incident.id == incident_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    incident = session.scalars(query).first()
    if incident is None:
        raise NotFound(f"incident {incident_id} not found")
    return incident


def get_detail(*, session: Session, incident_id: str) -> tuple[Incident, list[Alert]]:
    """The incident with timeline and roles loaded, and its alerts."""
    incident = session.scalars(
        select(Incident)
        .where(Incident.id == incident_id)
        .options(selectinload(Incident.timeline), selectinload(Incident.roles))
    ).first()
    if incident is None:
        raise NotFound(f"incident {incident_id} not found")
    alerts = list(
        session.scalars(select(Alert).where(Alert.incident_id == incident_id).order_by(Alert.id))
    )
    return incident, alerts


def list_incidents(
    *,
    session: Session,
    status: list[str] | None = None,
    severity: list[str] | None = None,
    service: str | None = None,
    open_only: bool = False,
    limit: int = 100,
    cursor: str | None = None,
) -> Page[Incident]:
    """A page of incidents, open ones first, newest first within each group."""
    query = select(Incident)
    if status:
        query = query.where(Incident.status.in_(status))
    if open_only:
        query = query.where(Incident.status.in_(lifecycle.OPEN_STATES))
    if severity:
        query = query.where(Incident.severity.in_(severity))
    if service:
        query = query.where(Incident.service == service)
    return paginate_segments(
        session,
        query,
        OPEN_FIRST,
        NEWEST_FIRST,
        list_name="incidents",
        cursor=cursor,
        limit=limit,
    )


def change_status(
    *,
    session: Session,
    incident_id: str,
    status: str,
    actor: str,
    now: datetime,
    message: str | None = None,
    playbook: Playbook,
) -> Incident:
    """Move the incident along its lifecycle (IllegalTransition when not allowed).

    The playbook's checklists for the phases entered become tasks; closing is refused
    (Conflict) while required tasks are open.
    """
    incident = get(session=session, incident_id=incident_id, for_update=True)
    move = lifecycle.transition(incident.status, status)
    if move.new == "closed":
        _refuse_close_with_open_tasks(session, incident, playbook, now)
    for column, value in lifecycle.stamps(
        move,
        now=now,
        acknowledged_at=incident.acknowledged_at,
        mitigated_at=incident.mitigated_at,
        by_automation=is_automation(actor),
    ).items():
        setattr(incident, column, value)
    incident.status = status
    incident.updated_at = now
    verb = "reopened" if move.reopen else "status"
    text = f"Status {move.old} → {move.new}" + (f": {message}" if message else "")
    add_event(
        session=session,
        incident_id=incident.id,
        kind=verb,
        actor=actor,
        message=text,
        now=now,
        data={"from": move.old, "to": move.new},
    )
    audit.record(
        session=session,
        actor=actor,
        action="incident.status",
        target=incident.id,
        now=now,
        old=move.old,
        new=move.new,
        message=message,
    )
    enter_phase(session=session, incident=incident, playbook=playbook, now=now, old=move.old)
    return incident


def _refuse_close_with_open_tasks(
    session: Session, incident: Incident, playbook: Playbook, now: datetime
) -> None:
    # Whatever the timeline shows done is checked first: only tasks for people remain.
    facts = timeline.check_recorded(session=session, incident_id=incident.id, now=now)
    open_required = tasks.open_required(session=session, incident_id=incident.id)
    # The close would also enter the phases it skips; their required items count too.
    skipped = tasks.pending(
        session=session,
        incident_id=incident.id,
        declared=playbook.checklists,
        phases=checklists.phases_entered(incident.status, "closed"),
        severity=incident.severity,
    )
    not_yet_added = [d for d in skipped if d.required and autocheck.wanted(d.title) not in facts]
    if open_required or not_yet_added:
        listed = [(t.id, t.title) for t in open_required]
        raise Conflict(checklists.blocking_message(incident.id, listed, not_yet_added))


def acknowledge(
    *,
    session: Session,
    incident_id: str,
    actor: str,
    now: datetime,
    message: str | None = None,
    playbook: Playbook,
) -> Incident:
    """Acknowledge an incident: the person paged owns it and paging stops.

    Acknowledging again (a second click, the page's button after the chat's) changes and
    records nothing: the incident comes back as it is. So does acknowledging one that is
    over. Automation moving an incident on (a verified rollback to monitoring) is not an
    acknowledgement, so escalation keeps paging; the person paged can still acknowledge it
    then: the status stays, ``acknowledged_at`` is stamped and paging stops."""
    incident = get(session=session, incident_id=incident_id, for_update=True)
    if incident.acknowledged_at is not None or not lifecycle.is_open(incident.status):
        return incident
    if incident.status != "triggered":
        return _acknowledge_in_place(session, incident, actor, now, message)
    return change_status(
        session=session,
        incident_id=incident_id,
        status="acknowledged",
        actor=actor,
        now=now,
        message=message,
        playbook=playbook,
    )


def _acknowledge_in_place(
    session: Session, incident: Incident, actor: str, now: datetime, message: str | None
) -> Incident:
    incident.acknowledged_at = incident.updated_at = now
    add_event(
        session=session,
        incident_id=incident.id,
        kind="acknowledged",
        actor=actor,
        message=f"Acknowledged (status stays {incident.status})"
        + (f": {message}" if message else ""),
        now=now,
        data={"status": incident.status},
    )
    audit.record(
        session=session,
        actor=actor,
        action="incident.acknowledge",
        target=incident.id,
        now=now,
        status=incident.status,
        message=message,
    )
    return incident


def set_severity(
    *, session: Session, incident_id: str, severity: str, reason: str, actor: str, now: datetime
) -> Incident:
    """Change the severity, with the reason on the timeline."""
    incident = get(session=session, incident_id=incident_id, for_update=True)
    if incident.severity == severity:
        raise Conflict(f"incident {incident_id} is already {severity}")
    old = incident.severity
    incident.severity = severity
    incident.updated_at = now
    direction = "raised" if severity_rank(severity) < severity_rank(old) else "lowered"
    add_event(
        session=session,
        incident_id=incident.id,
        kind="severity",
        actor=actor,
        message=f"Severity {direction} {old} → {severity}: {reason}",
        now=now,
        data={"from": old, "to": severity, "reason": reason},
    )
    audit.record(
        session=session,
        actor=actor,
        action="incident.severity",
        target=incident.id,
        now=now,
        old=old,
        new=severity,
        reason=reason,
    )
    return incident


def require_person(playbook: Playbook, person: str) -> None:
    """InvalidInput unless the playbook or the directory knows this person."""
    if playbook.oncall.person(person) is None:
        raise InvalidInput(
            f"person: {person!r} is not in the playbook or the directory; pick one of "
            "`warroom oncall person list`, or add them with `warroom oncall person set`"
        )


def assign_role(
    *,
    session: Session,
    incident_id: str,
    role: str,
    person: str,
    actor: str,
    now: datetime,
    playbook: Playbook,
) -> IncidentRole:
    """Give a role to a person; whoever held it renounces it. The person must be one the
    playbook or the directory knows (InvalidInput otherwise): a role held by a typo pages
    nobody and invites nobody to the war room."""
    require_person(playbook, person)
    incident = get(session=session, incident_id=incident_id, for_update=True)
    holders = session.scalars(
        select(IncidentRole).where(
            IncidentRole.incident_id == incident.id,
            IncidentRole.role == role,
            IncidentRole.renounced_at.is_(None),
        )
    ).all()
    if any(h.person == person for h in holders):
        raise Conflict(f"{person} already holds {role} on {incident_id}")
    for holder in holders:
        holder.renounced_at = now
    assignment = IncidentRole(incident_id=incident.id, role=role, person=person, assumed_at=now)
    session.add(assignment)
    incident.updated_at = now
    previous = ", ".join(h.person for h in holders)
    add_event(
        session=session,
        incident_id=incident.id,
        kind="role",
        actor=actor,
        message=f"{person} is {role}" + (f" (was {previous})" if previous else ""),
        now=now,
        data={"role": role, "person": person, "previous": [h.person for h in holders]},
    )
    audit.record(
        session=session,
        actor=actor,
        action="incident.role",
        target=incident.id,
        now=now,
        role=role,
        person=person,
    )
    return assignment


def add_note(
    *, session: Session, incident_id: str, message: str, actor: str, now: datetime
) -> TimelineEvent:
    """Add a free-text note to the timeline."""
    incident = get(session=session, incident_id=incident_id)
    incident.updated_at = now
    event = add_event(
        session=session, incident_id=incident.id, kind="note", actor=actor, message=message, now=now
    )
    audit.record(session=session, actor=actor, action="incident.note", target=incident.id, now=now)
    return event
