"""Incident tasks: the checklists' items on an incident, checked off by responders."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.incidents import checkoff
from warroom.incidents import service as incidents
from warroom.storage.bounds import RowId
from warroom.tasks import service as tasks
from warroom.tasks.models import TaskCheck, TaskRead, TasksCheck

router = APIRouter(prefix="/api/v1/incidents", tags=["tasks"])


@router.get("/{incident_id}/tasks", response_model=list[TaskRead])
def list_tasks(incident_id: str, container: ContainerDep, _: Viewer) -> list[Any]:
    with container.db.read() as session:
        incidents.get(session=session, incident_id=incident_id)
        return tasks.list_tasks(session=session, incident_id=incident_id)


def _set(
    container: ContainerDep,
    who: Responder,
    incident_id: str,
    task_id: RowId,
    checked: bool,
    body: TaskCheck | None,
) -> Any:
    with container.db.session() as session:
        return checkoff.set_checked(
            session=session,
            incident_id=incident_id,
            task_id=task_id,
            checked=checked,
            actor=who.actor,
            now=container.clock(),
            note=body.note if body else None,
        )


@router.post("/{incident_id}/tasks/check", response_model=list[TaskRead])
def check_many(
    incident_id: str, body: TasksCheck, container: ContainerDep, who: Responder
) -> list[Any]:
    """Check several tasks off at once (all or nothing); the incident's tasks after it."""
    with container.db.session() as session:
        return checkoff.check_many(
            session=session,
            incident_id=incident_id,
            task_ids=body.ids,
            actor=who.actor,
            now=container.clock(),
            note=body.note,
        )


@router.post("/{incident_id}/tasks/{task_id}/check", response_model=TaskRead)
def check(
    incident_id: str,
    task_id: RowId,
    container: ContainerDep,
    who: Responder,
    body: TaskCheck | None = None,
) -> Any:
    return _set(container, who, incident_id, task_id, True, body)


@router.post("/{incident_id}/tasks/{task_id}/uncheck", response_model=TaskRead)
def uncheck(
    incident_id: str,
    task_id: RowId,
    container: ContainerDep,
    who: Responder,
    body: TaskCheck | None = None,
) -> Any:
    return _set(container, who, incident_id, task_id, False, body)
