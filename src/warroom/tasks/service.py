"""Incident tasks in storage: create the due ones, list, find the open required ones.

Timeline and audit entries are written by the use cases that call these (incident status
changes in ``warroom.incidents.service``, check-offs in ``warroom.incidents.checkoff``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from warroom.errors import NotFound
from warroom.playbook.tasks import Checklist
from warroom.storage import later
from warroom.storage.base import Base
from warroom.storage.bulk import insert_returning_ids
from warroom.tasks import checklists
from warroom.tasks.models import IncidentTask


def list_tasks(*, session: Session, incident_id: str) -> list[IncidentTask]:
    """The incident's tasks in the order they were added."""
    _known(session).pop(incident_id, None)  # loaded rows may change by other means
    query = select(IncidentTask).where(IncidentTask.incident_id == incident_id)
    return list(session.scalars(query.order_by(IncidentTask.id)))


def get(*, session: Session, incident_id: str, task_id: int) -> IncidentTask:
    """One task of the incident, or NotFound."""
    _known(session).pop(incident_id, None)  # a loaded row may change by other means
    task = session.get(IncidentTask, task_id)
    if task is None or task.incident_id != incident_id:
        raise NotFound(f"incident {incident_id} has no task {task_id}")
    return task


def pending(
    *,
    session: Session,
    incident_id: str,
    declared: list[Checklist],
    phases: list[str],
    severity: str,
) -> list[checklists.Due]:
    """The checklist items these phases would add that the incident does not have yet."""
    wanted = checklists.due(declared, phases=phases, severity=severity)
    if not wanted:
        return []
    existing = {
        (t.checklist, t.title) for t in list_tasks(session=session, incident_id=incident_id)
    }
    return checklists.missing(wanted, existing)


def add(
    *,
    session: Session,
    incident_id: str,
    items: list[checklists.Due],
    now: datetime,
    first: bool = False,
) -> list[int]:
    """Store the items as open tasks (the caller holds the incident's row lock); their ids.
    One INSERT for all of them: every new incident gets its checklists. ``first``: the
    incident opened in this transaction and had no task before, so until the commit its open
    tasks are known without a query (:func:`open_titles`)."""
    [ids] = add_many(session=session, items={incident_id: items}, now=now, first=first)
    return ids


def add_many(
    *,
    session: Session,
    items: dict[str, list[checklists.Due]],
    now: datetime,
    first: bool = False,
) -> list[list[int]]:
    """:func:`add` for several incidents (by id) in one INSERT, as an alert storm opens
    hundreds in one transaction; each incident's new ids, in the order given."""
    rows = [
        {
            "incident_id": incident_id,
            "phase": d.phase,
            "checklist": d.checklist,
            "title": d.title,
            "required": d.required,
            "position": d.position,
            "created_at": now,
            "checked_at": None,
            "checked_by": None,
            "checked_auto": False,
            "evidence": None,
        }
        for incident_id, dues in items.items()
        for d in dues
    ]
    new_ids = iter(insert_returning_ids(session, IncidentTask, rows))
    known = _known(session)
    found: list[list[int]] = []
    for incident_id, dues in items.items():
        ids = [next(new_ids) for _ in dues]
        if first or incident_id in known:
            titles = (d.title for d in dues)
            known.setdefault(incident_id, {}).update(zip(ids, titles, strict=True))
        found.append(ids)
    return found


def open_required(*, session: Session, incident_id: str) -> list[IncidentTask]:
    """Required tasks nobody has checked off yet."""
    query = select(IncidentTask).where(
        IncidentTask.incident_id == incident_id,
        IncidentTask.required.is_(True),
        IncidentTask.checked_at.is_(None),
    )
    return list(session.scalars(query.order_by(IncidentTask.id)))


def open_titles(*, session: Session, incident_id: str) -> list[tuple[int, str]]:
    """Id and title of each task nobody has checked off yet (no rows loaded: a new
    incident's page looks for the task it checks off, and finds them in memory)."""
    if (known := _known(session).get(incident_id)) is not None:
        return sorted(known.items())
    query = select(IncidentTask.id, IncidentTask.title).where(
        IncidentTask.incident_id == incident_id, IncidentTask.checked_at.is_(None)
    )
    return [(task_id, title) for task_id, title in session.execute(query.order_by(IncidentTask.id))]


# The table, not the entity (an ORM-enabled UPDATE costs several times the statement), and
# one statement with parameters, built once: building it per call cost more than running it.
_TASKS = Base.metadata.tables[IncidentTask.__tablename__]
_CHECK_OFF = (
    update(_TASKS)
    .where(_TASKS.c.id == bindparam("task_id"))
    .values(
        checked_at=bindparam("at"),
        checked_by=bindparam("by"),
        checked_auto=True,
        evidence=bindparam("evidence"),
    )
)


def check_off(
    *,
    session: Session,
    task_id: int,
    by: str,
    evidence: str,
    now: datetime,
    incident_id: str | None = None,
) -> None:
    """Check a task (of ``incident_id``, when the caller knows it) off automatically, with
    its evidence (written with the transaction's other queued records,
    :mod:`warroom.storage.later`: a storm's pass checks off a task of each incident it
    pages)."""
    values = {"task_id": task_id, "at": now, "by": by, "evidence": evidence}
    loaded = session.identity_map.get(session.identity_key(IncidentTask, task_id))
    if loaded is None:
        later.update_later(session, _CHECK_OFF, _TASKS.name, values)
    else:
        session.execute(_CHECK_OFF, values)
        session.expire(loaded)  # a row this transaction loaded reads the change
    known = _known(session)
    for titles in [known.get(incident_id, {})] if incident_id else known.values():
        titles.pop(task_id, None)


_KNOWN = "warroom.open_tasks"


def _known(session: Session) -> dict[str, dict[int, str]]:
    """The open tasks (id: title) of the incidents that got their first tasks in this
    transaction, while no task row of theirs is loaded (then only :func:`check_off` changes
    them)."""
    transaction = session.get_transaction()
    found = session.info.get(_KNOWN)
    if found is None or found[0] is not transaction:
        found = session.info[_KNOWN] = (transaction, {})
    known: dict[str, dict[int, str]] = found[1]
    return known
