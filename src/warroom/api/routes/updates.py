"""Incident status updates and who is on call."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.oncall.schedules import on_call
from warroom.updates import service
from warroom.updates.models import IncidentUpdateCreate, IncidentUpdateRead

router = APIRouter(prefix="/api/v1", tags=["updates"])


@router.post("/incidents/{incident_id}/updates", response_model=IncidentUpdateRead, status_code=201)
def post_update(
    incident_id: str, body: IncidentUpdateCreate, container: ContainerDep, who: Responder
) -> IncidentUpdateRead:
    now = container.clock()
    with container.db.session() as session:
        update = service.post(
            session=session,
            incident_id=incident_id,
            spec=body,
            actor=who.actor,
            now=now,
            playbook=container.playbook,
        )
        return IncidentUpdateRead.model_validate(update)


@router.get("/incidents/{incident_id}/updates", response_model=list[IncidentUpdateRead])
def list_updates(
    incident_id: str, container: ContainerDep, _: Viewer, public: bool = False
) -> list[IncidentUpdateRead]:
    with container.db.read() as session:
        rows = service.list_updates(session=session, incident_id=incident_id, public_only=public)
        return [IncidentUpdateRead.model_validate(r) for r in rows]


class OnCallRead(BaseModel):
    team: str
    role: str
    schedule: str
    person: str | None


@router.get("/oncall", response_model=list[OnCallRead])
def who_is_on_call(
    container: ContainerDep, _: Viewer, at: datetime | None = None
) -> list[OnCallRead]:
    when = at or container.clock()
    oncall = container.playbook.oncall
    out = []
    for team in oncall.teams:
        for role, name in team.oncall.items():
            schedule = oncall.schedule(name)
            person = on_call(schedule, when) if schedule else None
            out.append(OnCallRead(team=team.name, role=role, schedule=name, person=person))
    return out
