"""Baselines and the human review queue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.bootstrap import GatewayServer
from warroom.deploy import registry
from warroom.detect import baselines, review
from warroom.detect.models import BaselineRead, ReviewLabel, ReviewRead
from warroom.errors import Conflict, NotFound
from warroom.storage.bounds import RowId

router = APIRouter(prefix="/api/v1", tags=["detection"])


@router.post("/services/{service}/baseline", response_model=BaselineRead, status_code=201)
def update_baseline(
    service: str,
    request: Request,
    container: ContainerDep,
    who: Responder,
    version: str | None = None,
) -> Any:
    """Save the current traffic of a version (default: the one taking most traffic) as the
    baseline the detectors compare against (do this after a promotion)."""
    gateway = GatewayServer.of(request.app).gateway
    runtime = gateway.runtime(service)
    if not runtime.versions:
        raise Conflict(f"{service} has no versions yet: deploy one before saving a baseline")
    name = version or max(runtime.versions.values(), key=lambda v: v.weight).version
    if name not in runtime.versions:
        raise NotFound(f"{service} has no version {name}")
    v = runtime.versions[name]
    policy = container.playbook.detection
    with container.db.session() as session:
        registry.get_service(session=session, name=service)
        return baselines.capture(
            session=session,
            service=service,
            version=name,
            window=v.window,
            threshold=v.threshold,
            last=policy.drift.window,
            actor=who.actor,
            now=container.clock(),
            min_requests=policy.min_requests,
            labels=policy.baseline_labels,
        )


@router.get("/services/{service}/baseline", response_model=BaselineRead)
def get_baseline(service: str, container: ContainerDep, _: Viewer) -> Any:
    with container.db.read() as session:
        row = baselines.latest(session=session, service=service)
    if row is None:
        raise NotFound(f"{service} has no baseline yet")
    return row


@router.get("/review", response_model=list[ReviewRead])
def review_queue(
    container: ContainerDep,
    _: Viewer,
    service: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[Any]:
    with container.db.read() as session:
        return review.pending(session=session, service=service, limit=limit)


@router.post("/review/{item_id}/label", response_model=ReviewRead)
def label_item(item_id: RowId, body: ReviewLabel, container: ContainerDep, who: Responder) -> Any:
    with container.db.session() as session:
        return review.label(
            session=session,
            item_id=item_id,
            value=body.label,
            actor=who.actor,
            now=container.clock(),
        )
