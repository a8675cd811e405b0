"""Incident status updates and who is on call."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.errors import NotFound
from warroom.oncall.calendar import team_calendar
from warroom.oncall.schedules import on_call
from warroom.storage.bounds import AwareUtcTime
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
    container: ContainerDep, _: Viewer, at: AwareUtcTime | None = None, team: str | None = None
) -> list[OnCallRead]:
    when = at or container.clock()
    oncall = container.playbook.oncall
    if team is not None and oncall.team(team) is None:
        raise NotFound(f"team {team!r} is not in the playbook")
    out = []
    for one in [t for t in oncall.teams if team is None or t.name == team]:
        for role, name in one.oncall.items():
            schedule = oncall.schedule(name)
            person = on_call(schedule, when) if schedule else None
            out.append(OnCallRead(team=one.name, role=role, schedule=name, person=person))
    return out


@router.get(
    "/oncall/{team}/schedule.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def schedule_ics(
    team: str,
    container: ContainerDep,
    _: Viewer,
    start: AwareUtcTime | None = None,
    days: int = Query(28, ge=1, le=366),
) -> Response:
    """The team's on-call shifts as iCalendar (one event per shift, UTC times)."""
    now = container.clock()
    body = team_calendar(container.playbook.oncall, team, start=start or now, days=days, now=now)
    return Response(body, media_type="text/calendar; charset=utf-8")
