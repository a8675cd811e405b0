"""Incidents: list, detail and every lifecycle action."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from warroom.alerts.models import AlertRead
from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.api.paging import CursorParam, paged
from warroom.chat import service as chat
from warroom.chat.models import ChatRoomRead
from warroom.incidents import service
from warroom.incidents.models import (
    AcknowledgeRequest,
    IncidentDeclare,
    IncidentDetail,
    IncidentRead,
    IncidentRoleRead,
    NoteCreate,
    RoleAssignment,
    SeverityChange,
    SeverityStr,
    Status,
    StatusChange,
    TimelineEventRead,
)
from warroom.response import declare as declaration
from warroom.response import service as response

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


def _detail(container: ContainerDep, incident_id: str) -> IncidentDetail:
    with container.db.read() as session:
        incident, alerts = service.get_detail(session=session, incident_id=incident_id)
        return IncidentDetail(
            **IncidentRead.model_validate(incident).model_dump(),
            timeline=[TimelineEventRead.model_validate(e) for e in incident.timeline],
            roles=[IncidentRoleRead.model_validate(r) for r in incident.roles],
            alerts=[AlertRead.model_validate(a) for a in alerts],
            chat_room=_room(session, incident_id),
        )


def _room(session: Session, incident_id: str) -> ChatRoomRead | None:
    found = chat.room(session=session, incident_id=incident_id)
    return chat.read(found) if found is not None else None


@router.get("", response_model=list[IncidentRead])
def list_incidents(
    request: Request,
    response: Response,
    container: ContainerDep,
    _: Viewer,
    status: list[Status] | None = Query(default=None),
    severity: list[SeverityStr] | None = Query(default=None),
    service_name: str | None = Query(default=None, alias="service"),
    open_only: bool = Query(default=False, alias="open"),
    limit: int = Query(default=100, ge=1, le=1000),
    cursor: CursorParam = None,
) -> list[Any]:
    """Incidents, open ones first, newest first; page on with ``cursor``."""
    with container.db.read() as session:
        page = service.list_incidents(
            session=session,
            status=list(status) if status else None,
            severity=list(severity) if severity else None,
            service=service_name,
            open_only=open_only,
            limit=limit,
            cursor=cursor,
        )
        return paged(request, response, page)


@router.post("", response_model=IncidentDetail, status_code=201)
def declare(body: IncidentDeclare, container: ContainerDep, who: Responder) -> IncidentDetail:
    """Declare an incident by hand; it is routed, paged and tracked like an alert's."""
    incident_id = declaration.declare_committed(
        db=container.db,
        spec=body,
        actor=who.actor,
        now=container.clock(),
        playbook=container.playbook,
    )
    return _detail(container, incident_id)


@router.get("/{incident_id}", response_model=IncidentDetail)
def get_incident(incident_id: str, container: ContainerDep, _: Viewer) -> IncidentDetail:
    return _detail(container, incident_id)


@router.post("/{incident_id}/acknowledge", response_model=IncidentDetail)
def acknowledge(
    incident_id: str,
    container: ContainerDep,
    who: Responder,
    body: AcknowledgeRequest | None = None,
) -> IncidentDetail:
    with container.db.session() as session:
        service.acknowledge(
            session=session,
            incident_id=incident_id,
            actor=who.actor,
            now=container.clock(),
            message=body.message if body else None,
            playbook=container.playbook,
        )
    return _detail(container, incident_id)


@router.post("/{incident_id}/status", response_model=IncidentDetail)
def change_status(
    incident_id: str, body: StatusChange, container: ContainerDep, who: Responder
) -> IncidentDetail:
    with container.db.session() as session:
        service.change_status(
            session=session,
            incident_id=incident_id,
            status=body.status,
            actor=who.actor,
            now=container.clock(),
            message=body.message,
            playbook=container.playbook,
        )
    return _detail(container, incident_id)


@router.post("/{incident_id}/severity", response_model=IncidentDetail)
def set_severity(
    incident_id: str, body: SeverityChange, container: ContainerDep, who: Responder
) -> IncidentDetail:
    with container.db.session() as session:
        incident = service.set_severity(
            session=session,
            incident_id=incident_id,
            severity=body.severity,
            reason=body.reason,
            actor=who.actor,
            now=container.clock(),
        )
        response.on_severity_raised(
            session=session, incident=incident, playbook=container.playbook, now=container.clock()
        )
    return _detail(container, incident_id)


@router.post("/{incident_id}/roles", response_model=IncidentRoleRead, status_code=201)
def assign_role(
    incident_id: str, body: RoleAssignment, container: ContainerDep, who: Responder
) -> Any:
    with container.db.session() as session:
        return service.assign_role(
            session=session,
            incident_id=incident_id,
            role=body.role,
            person=body.person,
            actor=who.actor,
            now=container.clock(),
            playbook=container.playbook,
        )


@router.post("/{incident_id}/notes", response_model=TimelineEventRead, status_code=201)
def add_note(incident_id: str, body: NoteCreate, container: ContainerDep, who: Responder) -> Any:
    with container.db.session() as session:
        return service.add_note(
            session=session,
            incident_id=incident_id,
            message=body.message,
            actor=who.actor,
            now=container.clock(),
        )
