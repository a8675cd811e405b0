"""Gateway HTTP interface: feedback and the token-protected admin surface (predictions are
answered in front of the app by :mod:`warroom.api.predict`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.bootstrap import GatewayServer
from warroom.deploy import registry
from warroom.detect.windows import OutcomeWindow
from warroom.errors import NotFound
from warroom.gateway.runtime import Gateway
from warroom.storage.bounds import INT64_MAX, FiniteFloat, Int64, JsonObject

router = APIRouter(tags=["gateway"])


class FeedbackRequest(BaseModel):
    """The truth about an earlier answer: ``label`` (the class) for a classifier, ``value``
    (the true number) for a regression model."""

    model_config = ConfigDict(extra="forbid")

    request_id: Int64
    label: int | None = Field(default=None, ge=0, le=127)
    value: FiniteFloat | None = None

    @model_validator(mode="after")
    def _one_of(self) -> FeedbackRequest:
        if (self.label is None) == (self.value is None):
            raise ValueError("send exactly one of label (a class) and value (a true value)")
        return self


class WeightsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weights: dict[str, FiniteFloat]


class ThresholdRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold: float = Field(gt=0, lt=1)


class DegradedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    degraded: bool
    fallback: JsonObject | None = None


def gateway_of(request: Request) -> Gateway:
    gateway = GatewayServer.of(request.app).gateway
    return gateway


@router.post("/v1/models/{service}/feedback")
def feedback(service: str, body: FeedbackRequest, request: Request) -> dict[str, Any]:
    version = gateway_of(request).feedback(service, body.request_id, body.label, body.value)
    return {"request_id": body.request_id, "version": version, "recorded": True}


def _state(gw: Gateway, service: str) -> dict[str, Any]:
    runtime = gw.reload(service)
    rejected = gw.rejections.totals()
    return {
        "service": service,
        "degraded": runtime.degraded,
        "weights": {v: runtime.versions[v].weight for v in runtime.choices},
        "versions": {
            name: {
                "weight": v.weight,
                "enabled": v.enabled,
                "threshold": v.threshold,
                "loaded": v.predictor is not None,
                "review_low_confidence": v.review,
                "load_error": v.load_error,
                "rejected_inputs": rejected.get((service, name), 0),
            }
            for name, v in runtime.versions.items()
        },
    }


@router.get("/v1/admin/services/{service}")
def admin_state(service: str, request: Request, _: Viewer) -> dict[str, Any]:
    return _state(gateway_of(request), service)


@router.put("/v1/admin/services/{service}/weights")
def set_weights(
    service: str, body: WeightsRequest, request: Request, container: ContainerDep, who: Responder
) -> dict[str, Any]:
    with container.db.session() as session:
        registry.apply_weights(
            session=session,
            service=service,
            weights=body.weights,
            actor=who.actor,
            now=container.clock(),
        )
    return _state(gateway_of(request), service)


@router.post("/v1/admin/services/{service}/versions/{version}/{action}")
def enable_disable(
    service: str,
    version: str,
    action: str,
    request: Request,
    container: ContainerDep,
    who: Responder,
) -> dict[str, Any]:
    if action not in ("enable", "disable"):
        raise NotFound(f"unknown action {action!r}: use enable or disable")
    with container.db.session() as session:
        registry.set_enabled(
            session=session,
            service=service,
            version=version,
            enabled=action == "enable",
            actor=who.actor,
            now=container.clock(),
        )
    return _state(gateway_of(request), service)


@router.put("/v1/admin/services/{service}/versions/{version}/threshold")
def set_threshold(
    service: str,
    version: str,
    body: ThresholdRequest,
    request: Request,
    container: ContainerDep,
    who: Responder,
) -> dict[str, Any]:
    with container.db.session() as session:
        registry.set_threshold(
            session=session,
            service=service,
            version=version,
            threshold=body.threshold,
            actor=who.actor,
            now=container.clock(),
        )
    return _state(gateway_of(request), service)


@router.put("/v1/admin/services/{service}/degraded")
def set_degraded(
    service: str, body: DegradedRequest, request: Request, container: ContainerDep, who: Responder
) -> dict[str, Any]:
    with container.db.session() as session:
        registry.set_degraded(
            session=session,
            service=service,
            degraded=body.degraded,
            fallback=body.fallback,
            actor=who.actor,
            now=container.clock(),
        )
    return _state(gateway_of(request), service)


@router.get("/v1/admin/services/{service}/stats")
def stats(
    service: str,
    request: Request,
    _: Viewer,
    version: str | None = None,
    since: FiniteFloat | None = Query(default=None, description="unix time"),
    last: int | None = Query(default=None, ge=1, le=INT64_MAX),
) -> dict[str, Any]:
    gw = gateway_of(request)
    runtime = gw.runtime(service)
    names = [version] if version else list(runtime.versions)
    out: dict[str, Any] = {}
    for name in names:
        window: OutcomeWindow = gw.window(service, name)
        out[name] = window.stats(since=since, last=last).as_dict()
    return {"service": service, "versions": out}
