"""Model services, versions, deployment history and rollbacks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response

from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.api.paging import CursorParam, paged
from warroom.bootstrap import Server
from warroom.deploy import probe, registry, target
from warroom.deploy.models import (
    DeploymentEventRead,
    DeployRequest,
    RollbackRead,
    RollbackRequest,
    ServiceCreate,
    ServiceDetail,
    ServicePublic,
    ServiceRead,
    VersionRead,
)
from warroom.rollback import service as rollbacks
from warroom.samples import service as samples
from warroom.storage.bounds import RowId

router = APIRouter(prefix="/api/v1", tags=["services"])


def _detail(container: ContainerDep, name: str) -> ServiceDetail:
    with container.db.read() as session:
        svc = registry.get_service(session=session, name=name)
        rows = registry.versions(session=session, service=name)
        chosen, _ = target.choose(
            registry.facts(rows),
            now=container.clock(),
            stable_after=container.playbook.rollback.stable_after,
        )
        return ServiceDetail(
            **ServiceRead.model_validate(svc).model_dump(),
            versions=[VersionRead.model_validate(v) for v in rows],
            weights=registry.weights_of(rows),
            stable_target=chosen.version if chosen else None,
            rejected_inputs_24h=samples.rejected_inputs(
                session=session, service=name, end=container.clock()
            ),
        )


@router.post("/services", response_model=ServiceDetail, status_code=201)
def create_service(body: ServiceCreate, container: ContainerDep, who: Responder) -> ServiceDetail:
    with container.db.session() as session:
        registry.create_service(session=session, spec=body, actor=who.actor, now=container.clock())
    return _detail(container, body.name)


@router.get("/services", response_model=list[ServiceRead])
def list_services(container: ContainerDep, _: Viewer) -> list[Any]:
    with container.db.read() as session:
        return registry.list_services(session=session)


@router.get("/services/{service}", response_model=ServiceDetail)
def get_service(service: str, container: ContainerDep, _: Viewer) -> ServiceDetail:
    return _detail(container, service)


@router.put("/services/{service}/public", response_model=ServiceDetail)
def set_public(
    service: str, body: ServicePublic, container: ContainerDep, who: Responder
) -> ServiceDetail:
    """Show the service as a component of the public status page, or stop showing it."""
    with container.db.session() as session:
        registry.set_public(
            session=session,
            name=service,
            public=body.public,
            actor=who.actor,
            now=container.clock(),
        )
    return _detail(container, service)


@router.post("/services/{service}/versions", response_model=ServiceDetail, status_code=201)
def deploy(
    service: str, body: DeployRequest, request: Request, container: ContainerDep, who: Responder
) -> ServiceDetail:
    with container.db.read() as session:
        probe_input = body.probe or registry.get_service(session=session, name=service).probe
    # Before any traffic moves: a version that cannot serve is refused, weights unchanged.
    checked = probe.check(
        version=body.version, artifact=body.artifact, endpoint=body.endpoint, probe=probe_input
    )
    with container.db.session() as session:
        registry.deploy(
            session=session,
            service=service,
            spec=body,
            actor=who.actor,
            now=container.clock(),
            checked=checked,
        )
    # This process's gateway routes to the new version before the answer goes out.
    Server.of(request.app).gateway.reload(service)
    return _detail(container, service)


@router.get("/services/{service}/versions", response_model=list[VersionRead])
def list_versions(service: str, container: ContainerDep, _: Viewer) -> list[Any]:
    with container.db.read() as session:
        registry.get_service(session=session, name=service)
        return registry.versions(session=session, service=service)


@router.post("/services/{service}/versions/{version}/stable", response_model=VersionRead)
def mark_stable(service: str, version: str, container: ContainerDep, who: Responder) -> Any:
    with container.db.session() as session:
        return registry.mark_stable(
            session=session,
            service=service,
            version=version,
            actor=who.actor,
            now=container.clock(),
        )


@router.get("/services/{service}/history", response_model=list[DeploymentEventRead])
def history(
    service: str,
    request: Request,
    response: Response,
    container: ContainerDep,
    _: Viewer,
    limit: int = Query(200, ge=1, le=1000),
    cursor: CursorParam = None,
) -> list[Any]:
    """The service's releases and other deployment events, newest first; page on with
    ``cursor``."""
    with container.db.read() as session:
        registry.get_service(session=session, name=service)
        page = registry.history(session=session, service=service, limit=limit, cursor=cursor)
        return paged(request, response, page)


@router.post("/services/{service}/rollback", status_code=202)
def rollback(
    service: str,
    body: RollbackRequest,
    request: Request,
    container: ContainerDep,
    who: Responder,
) -> dict[str, Any]:
    """Start a rollback (202 with its id), or with ``dry_run`` return the plan only."""
    stable_after = container.playbook.rollback.stable_after
    now = container.clock()
    if body.dry_run:
        with container.db.read() as session:
            return {
                "dry_run": True,
                **rollbacks.plan(
                    session=session,
                    service=service,
                    to_version=body.to_version,
                    stable_after=stable_after,
                    now=now,
                ),
            }
    read = Server.of(request.app).rollback_runner.start_manual(
        service=service,
        to_version=body.to_version,
        incident_id=body.incident_id,
        actor=who.actor,
        reason=body.reason,
    )
    return read.model_dump(mode="json")


@router.get("/rollbacks", response_model=list[RollbackRead])
def list_rollbacks(
    request: Request,
    response: Response,
    container: ContainerDep,
    _: Viewer,
    service: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    cursor: CursorParam = None,
) -> list[Any]:
    """Rollbacks, newest first; page on with ``cursor``."""
    with container.db.read() as session:
        page = rollbacks.history(session=session, service=service, limit=limit, cursor=cursor)
        return paged(request, response, page)


@router.get("/rollbacks/{rollback_id}", response_model=RollbackRead)
def get_rollback(rollback_id: RowId, container: ContainerDep, _: Viewer) -> Any:
    with container.db.read() as session:
        return rollbacks.get(session=session, rollback_id=rollback_id)
