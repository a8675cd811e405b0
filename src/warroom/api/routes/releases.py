"""Releases: start one for a service, follow it, and the person's actions on it."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from warroom.api.deps import ContainerDep, Responder, ServerDep, Viewer
from warroom.releases import service as releases
from warroom.releases.models import ReleaseAction, ReleaseCreate, ReleaseRead
from warroom.storage.bounds import RowId

router = APIRouter(prefix="/api/v1", tags=["releases"])


@router.post("/services/{service}/releases", response_model=ReleaseRead, status_code=201)
def start(
    service: str, body: ReleaseCreate, container: ContainerDep, server: ServerDep, who: Responder
) -> Any:
    """Deploy ``version`` with no traffic and release it: shadow, canary steps, promotion."""
    with container.db.session() as session:
        row = releases.start(
            session=session,
            service=service,
            spec=body,
            policy=container.playbook.release,
            actor=who.actor,
            now=container.clock(),
        )
        session.flush()
        read = ReleaseRead.model_validate(row)
    # The candidate loads now (warm), before its first mirrored or routed request.
    server.gateway.reload(service)
    server.release_runner.nudge()
    return read


@router.get("/releases", response_model=list[ReleaseRead])
def list_releases(
    container: ContainerDep,
    _: Viewer,
    service: str | None = Query(None, max_length=200),
    limit: int = Query(100, ge=1, le=1000),
) -> list[Any]:
    with container.db.read() as session:
        return releases.history(session=session, service=service, limit=limit)


@router.get("/releases/{release_id}", response_model=ReleaseRead)
def get_release(release_id: RowId, container: ContainerDep, _: Viewer) -> Any:
    with container.db.read() as session:
        return releases.get(session=session, release_id=release_id)


@router.post("/releases/{release_id}/{action}", response_model=ReleaseRead)
def act(
    release_id: RowId,
    action: Literal["pause", "resume", "approve", "abort"],
    container: ContainerDep,
    server: ServerDep,
    who: Responder,
    body: ReleaseAction | None = None,
) -> Any:
    """Pause (hold the current step), resume, approve the gate it waits at, or abort (the
    candidate's traffic goes back to the stable version)."""
    with container.db.session() as session:
        row = releases.act(
            session=session,
            release_id=release_id,
            action=action,
            actor=who.actor,
            reason=body.reason if body else "",
            now=container.clock(),
        )
        session.flush()
        read = ReleaseRead.model_validate(row)
    server.release_runner.nudge()
    return read
