"""An incident's checklists: the tasks of each lifecycle phase it enters.

A status change enters the phases between the old status and the new one and adds their
items the incident does not have yet; a new incident enters its first phase, and an alert
storm opens hundreds in one transaction, so their tasks are stored in one INSERT
(:func:`enter_opened`). The timeline records them; the audit event of the change that
entered the phase (the status change, or the intake that opened the incident) covers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.incidents import timeline
from warroom.incidents.models import Incident
from warroom.playbook.schema import Playbook
from warroom.tasks import autocheck, checklists
from warroom.tasks import service as tasks


def enter_phase(
    *,
    session: Session,
    incident: Incident,
    playbook: Playbook,
    now: datetime,
    old: str | None = None,
) -> list[int]:
    """Add the checklist tasks of the phases the incident just entered (none twice); their
    ids. ``old`` None: the incident was just opened."""
    if old is None:
        [task_ids] = enter_opened(session=session, incidents=[incident], playbook=playbook, now=now)
        return task_ids
    items = tasks.pending(
        session=session,
        incident_id=incident.id,
        declared=playbook.checklists,
        phases=checklists.phases_entered(old, incident.status),
        severity=incident.severity,
    )
    if not items:
        return []
    [task_ids] = tasks.add_many(session=session, items={incident.id: items}, now=now)
    _record(session, incident, items, task_ids, now)
    # What the timeline already shows done checks the new tasks.
    timeline.check_recorded(session=session, incident_id=incident.id, now=now)
    return task_ids


def enter_opened(
    *, session: Session, incidents: Sequence[Incident], playbook: Playbook, now: datetime
) -> list[list[int]]:
    """Add the first tasks of incidents opened in this transaction (stored already), in one
    INSERT; each one's task ids, in the order given. Nothing to compare with: a new incident
    has no task, so no query looks."""
    due: dict[str, list[checklists.Due]] = {}
    for incident in incidents:
        phases = checklists.phases_entered(None, incident.status)
        due[incident.id] = checklists.due(
            playbook.checklists, phases=phases, severity=incident.severity
        )
    wanted = {k: v for k, v in due.items() if v}
    stored = tasks.add_many(session=session, items=wanted, now=now, first=True)
    added = dict(zip(wanted, stored, strict=True))
    for incident in incidents:
        items, task_ids = due[incident.id], added.get(incident.id, [])
        if not items:
            continue
        _record(session, incident, items, task_ids, now)
        # A new incident's record holds only its opening (the incident is its own tracking
        # record): look at it only if a task asks.
        if any(autocheck.wanted(d.title) == "tracked" for d in items):
            timeline.check_recorded(session=session, incident_id=incident.id, now=now)
    return [added.get(incident.id, []) for incident in incidents]


def _record(
    session: Session,
    incident: Incident,
    items: list[checklists.Due],
    task_ids: list[int],
    now: datetime,
) -> None:
    names = list(dict.fromkeys(d.checklist for d in items))
    required = sum(d.required for d in items)
    timeline.add_event_later(
        session=session,
        incident_id=incident.id,
        kind="tasks",
        actor="warroom",
        message=f"{len(task_ids)} tasks added ({required} required) from {', '.join(names)}",
        now=now,
        data={"task_ids": task_ids, "checklists": names, "phase": incident.status},
    )
