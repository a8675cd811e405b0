"""Checking incident tasks off (and back on): timeline and audit in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.errors import Conflict, NotFound
from warroom.incidents import service as incidents
from warroom.tasks import service as tasks
from warroom.tasks.models import IncidentTask


def set_checked(
    *,
    session: Session,
    incident_id: str,
    task_id: int,
    checked: bool,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> IncidentTask:
    """Check a task off (who, when) or un-check it; Conflict when it already is, or when the
    incident is closed (its record is final)."""
    incident = incidents.get(session=session, incident_id=incident_id, for_update=True)
    task = tasks.get(session=session, incident_id=incident.id, task_id=task_id)
    if incident.status == "closed":
        raise Conflict(f"incident {incident_id} is closed: its tasks can no longer change")
    _refuse_no_change(task, checked)
    task.checked_at, task.checked_by = (now, actor) if checked else (None, None)
    task.checked_auto, task.evidence = False, note if checked else None
    incident.updated_at = now
    verb = "checked off" if checked else "reopened"
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind="task",
        actor=actor,
        message=f"Task #{task.id} {verb}: {task.title}" + (f" ({note})" if note else ""),
        now=now,
        data={"task_id": task.id, "checked": checked, "checklist": task.checklist, "note": note},
    )
    audit.record(
        session=session,
        actor=actor,
        action="incident.task_checked" if checked else "incident.task_unchecked",
        target=incident.id,
        now=now,
        task_id=task.id,
        title=task.title,
        note=note,
    )
    return task


def _refuse_no_change(task: IncidentTask, checked: bool) -> None:
    if checked and task.checked_at is not None:
        raise Conflict(
            f"task {task.id} was already checked off by {task.checked_by} at "
            f"{task.checked_at.isoformat()}"
        )
    if not checked and task.checked_at is None:
        raise Conflict(f"task {task.id} is not checked off")


def check_many(
    *,
    session: Session,
    incident_id: str,
    task_ids: list[int],
    actor: str,
    now: datetime,
    note: str | None = None,
) -> list[IncidentTask]:
    """Check several tasks off at once; the incident's tasks as they are now.

    All or nothing: an id that is not a task of this incident is refused (NotFound naming
    it) and nothing changes. Tasks already checked off stay as they are (ticking a box that
    someone, or warroom, ticked meanwhile is not an error). One timeline event lists them."""
    incident = incidents.get(session=session, incident_id=incident_id, for_update=True)
    if incident.status == "closed":
        raise Conflict(f"incident {incident_id} is closed: its tasks can no longer change")
    found = {t.id: t for t in tasks.list_tasks(session=session, incident_id=incident.id)}
    unknown = [i for i in dict.fromkeys(task_ids) if i not in found]
    if unknown:
        raise NotFound(
            f"ids: incident {incident_id} has no task {', '.join(map(str, unknown))}; nothing "
            "was checked off"
        )
    todo = [found[i] for i in dict.fromkeys(task_ids) if found[i].checked_at is None]
    if todo:
        incident.updated_at = now
        _check_all(session, incident.id, todo, actor, now, note)
    return list(found.values())


def _check_all(
    session: Session,
    incident_id: str,
    todo: list[IncidentTask],
    actor: str,
    now: datetime,
    note: str | None,
) -> None:
    for task in todo:
        task.checked_at, task.checked_by = now, actor
        task.checked_auto, task.evidence = False, note
        audit.record(
            session=session,
            actor=actor,
            action="incident.task_checked",
            target=incident_id,
            now=now,
            task_id=task.id,
            title=task.title,
            note=note,
        )
    listed = "; ".join(f"#{t.id} {t.title}" for t in todo)
    incidents.add_event(
        session=session,
        incident_id=incident_id,
        kind="task",
        actor=actor,
        message=f"{len(todo)} tasks checked off: {listed}" + (f" ({note})" if note else ""),
        now=now,
        data={"task_ids": [t.id for t in todo], "checked": True, "note": note},
    )
