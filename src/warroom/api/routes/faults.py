"""The fault-injection admin API (``warroom drill`` uses it; see ``gateway/faults.py``).

Injecting and clearing need an admin token, and the server must run with
``WARROOM_GATEWAY_FAULTS_ENABLED=true`` (otherwise 403 saying so). The listing needs any token,
a viewer's included: seeing which drill is running is reading, like the other gateway reads.
Each injection and clear writes an audit event (``gateway.fault.inject`` /
``gateway.fault.clear``).
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from warroom.api.deps import Admin, ContainerDep, Viewer
from warroom.api.routes.gateway import gateway_of
from warroom.audit import service as audit
from warroom.bootstrap import Container
from warroom.deploy import registry
from warroom.drills.kinds import FaultKind
from warroom.errors import Conflict, Forbidden, InvalidInput
from warroom.gateway.faults import make

router = APIRouter(tags=["gateway"])


class FaultRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    versions: list[str] | None = Field(
        default=None, description="versions to hit; default: those taking traffic now"
    )
    error_rate: float | None = Field(default=None, gt=0, le=1, description="error-burst")
    delay_ms: float | None = Field(default=None, gt=0, le=30_000, description="latency")
    drift: float | None = Field(default=None, gt=0, le=1, description="drift strength")
    ttl_s: float | None = Field(
        default=None, gt=0, le=86_400, description="default: playbook drills.fault_ttl"
    )
    note: str = Field(default="", max_length=500)


def _enabled(container: Container) -> None:
    if not container.settings.gateway_faults_enabled:
        raise Forbidden(
            "fault injection is disabled on this server; start it with "
            "WARROOM_GATEWAY_FAULTS_ENABLED=true to run drills"
        )


@router.get("/v1/admin/faults")
def list_faults(request: Request, container: ContainerDep, _: Viewer) -> dict[str, Any]:
    faults = gateway_of(request).faults
    now = time.time()
    active = [f for s in list(faults) if (f := faults.current(s, now=now)) is not None]
    return {
        "enabled": container.settings.gateway_faults_enabled,
        "faults": [f.as_dict() for f in active],
    }


@router.put("/v1/admin/services/{service}/fault", status_code=201)
def inject(
    service: str, body: FaultRequest, request: Request, container: ContainerDep, who: Admin
) -> dict[str, Any]:
    _enabled(container)
    gw = gateway_of(request)
    now = time.time()
    if gw.faults.current(service, now=now) is not None:
        raise Conflict(f"{service} already has a fault injected; clear it first")
    runtime = gw.reload(service)  # NotFound for an unknown service
    versions = body.versions or list(runtime.choices)
    unknown = sorted(set(versions) - set(runtime.versions))
    if unknown:
        raise InvalidInput(f"{service} has no version {', '.join(unknown)}")
    if not versions:
        raise Conflict(f"{service} has no version taking traffic: nothing to inject into")
    ttl = body.ttl_s or container.playbook.drills.fault_ttl.total_seconds()
    fault = make(
        service=service,
        kind=body.kind,
        versions=versions,
        actor=who.actor,
        ttl_s=ttl,
        now=now,
        error_rate=body.error_rate,
        delay_ms=body.delay_ms,
        drift=body.drift,
        note=body.note,
    )
    with container.db.session() as session:
        registry.get_service(session=session, name=service)
        audit.record(
            session=session,
            actor=who.actor,
            action="gateway.fault.inject",
            target=f"service:{service}",
            now=container.clock(),
            **{k: v for k, v in fault.as_dict().items() if k not in ("service", "actor")},
        )
    gw.faults.inject(fault)
    return fault.as_dict()


@router.delete("/v1/admin/services/{service}/fault")
def clear(
    service: str,
    request: Request,
    container: ContainerDep,
    who: Admin,
    forget: bool = Query(
        default=False,
        description="also drop the outcomes the latest fault made its versions record",
    ),
) -> dict[str, Any]:
    _enabled(container)
    gw = gateway_of(request)
    fault = gw.faults.remove(service, gw.services.get(service))
    forgotten = gw.faults.forget(service, gw.windows) if forget else None
    done = fault or forgotten
    if done is not None:
        with container.db.session() as session:
            audit.record(
                session=session,
                actor=who.actor,
                action="gateway.fault.clear",
                target=f"service:{service}",
                now=container.clock(),
                kind=done.kind,
                versions=list(done.versions),
                cleared=fault is not None,
                outcomes_forgotten=forgotten is not None,
            )
    return {
        "service": service,
        "cleared": fault is not None,
        "outcomes_forgotten": forgotten is not None,
        "fault": fault and fault.as_dict(),
    }
