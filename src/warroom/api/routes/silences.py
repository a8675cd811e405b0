"""Silences (maintenance windows): create, list, expire."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.silences import service
from warroom.silences.models import SilenceCreate, SilenceRead
from warroom.storage.bounds import RowId

router = APIRouter(prefix="/api/v1/silences", tags=["silences"])


@router.post("", response_model=SilenceRead, status_code=201)
def create_silence(body: SilenceCreate, container: ContainerDep, who: Responder) -> SilenceRead:
    now = container.clock()
    with container.db.session() as session:
        silence = service.create(session=session, spec=body, actor=who.actor, now=now)
        return service.to_read(silence, now=now)


@router.get("", response_model=list[SilenceRead])
def list_silences(
    container: ContainerDep, _: Viewer, include_expired: bool = False
) -> list[SilenceRead]:
    now = container.clock()
    with container.db.read() as session:
        rows = service.list_silences(session=session, now=now, include_expired=include_expired)
        return [service.to_read(s, now=now) for s in rows]


@router.post("/{silence_id}/expire", response_model=SilenceRead)
def expire_silence(silence_id: RowId, container: ContainerDep, who: Responder) -> SilenceRead:
    now = container.clock()
    with container.db.session() as session:
        silence = service.expire(session=session, silence_id=silence_id, actor=who.actor, now=now)
        return service.to_read(silence, now=now)
