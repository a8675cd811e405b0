"""Webhook intake for Alertmanager, Grafana and PagerDuty-style events.

Each integration is authenticated by its own key, given as ``?key=...`` in the URL (what
``warroom integration create`` prints) or as ``Authorization: Bearer <key>``; PagerDuty
events may also carry it as ``routing_key``.

These webhooks answer ``202 Accepted`` with ``{"accepted": n, "queued": true, "batch": id}``
once the batch is durably stored in the intake log (committed before the answer), not once
it is ingested: the senders (Alertmanager, Grafana, PagerDuty clients) read only the status,
so the answer costs a parse and an append, and the intake processor opens and updates the
incidents right after (:mod:`warroom.intake.processor`). ``POST /api/v1/alerts``, whose
answer names the incidents opened, stays synchronous.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from warroom.alerts.parsers import alertmanager, grafana, pagerduty
from warroom.api.deps import bearer_token
from warroom.auth.models import Integration
from warroom.bootstrap import Server
from warroom.errors import AuthError
from warroom.intake.log import Append, append

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])
Payload = TypeVar("Payload", bound=BaseModel)


def _key(request: Request) -> str | None:
    return request.query_params.get("key") or bearer_token(request)


def _authenticate(request: Request, kind: str, key: str | None) -> Integration:
    if not key:
        raise AuthError(f"missing {kind} integration key: add ?key=... to the webhook URL")
    server = Server.of(request.app)
    return server.integration_keys.authenticate(server.container.db, kind, key)


def _validated(model: type[Payload], body: bytes) -> Payload:
    """The raw body parsed and validated in one pass (pydantic reads the bytes itself, which
    costs a third of ``json.loads`` plus model validation); errors keep FastAPI's shape."""
    try:
        return model.model_validate_json(body)
    except ValidationError as invalid:
        errors = invalid.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The request body in the OpenAPI document (the routes read the raw bytes, so FastAPI
    cannot see the model); :func:`document_bodies` adds the models to the components."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    _SCHEMAS.update(schema.pop("$defs", {}))
    _SCHEMAS[model.__name__] = schema
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}
    return {"requestBody": {"required": True, "content": content}}


_SCHEMAS: dict[str, Any] = {}


def document_bodies(app: FastAPI) -> None:
    """Put the webhook body models in the app's OpenAPI components."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            components = generate().setdefault("components", {})
            components.setdefault("schemas", {}).update(_SCHEMAS)
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def _intake(
    request: Request,
    integration: Integration,
    kind: str,
    body: bytes,
    alerts: int,
) -> dict[str, Any]:
    """Append the validated batch of ``alerts`` alerts to the intake log (committed before
    the answer)."""
    container = Server.of(request.app).container
    container.intake_rate.add(alerts)
    entry = Append(
        kind=kind,
        body=body,
        alerts=alerts,
        actor=f"integration:{integration.kind}:{integration.name}",
        integration_id=integration.id,
        received_at=container.clock(),
    )
    return {"accepted": alerts, "queued": True, "batch": append(container.db, entry)}


def _alertmanager(request: Request, key: str | None, body: bytes) -> dict[str, Any]:
    integration = _authenticate(request, "alertmanager", key)
    payload = _validated(alertmanager.AlertmanagerWebhook, body)
    now = Server.of(request.app).container.clock()
    alerts = alertmanager.count(payload, now=now)
    return _intake(request, integration, "alertmanager", body, alerts)


def _grafana(request: Request, key: str | None, body: bytes) -> dict[str, Any]:
    integration = _authenticate(request, "grafana", key)
    payload = _validated(grafana.GrafanaWebhook, body)
    now = Server.of(request.app).container.clock()
    alerts = len(grafana.to_alerts(payload, now=now))
    return _intake(request, integration, "grafana", body, alerts)


def _pagerduty(request: Request, key: str | None, body: bytes) -> dict[str, Any]:
    by_url = _authenticate(request, "pagerduty", key) if key else None
    event = _validated(pagerduty.PagerDutyEvent, body)
    integration = by_url or _authenticate(request, "pagerduty", event.routing_key)
    now = Server.of(request.app).container.clock()
    # Stored as validated, not as received: validation generates the dedup key of an event
    # that has none, and the processor must ingest the key this answer names.
    stored = event.model_dump_json(by_alias=True).encode()
    alerts = len(pagerduty.to_alerts(event, now=now))
    result = _intake(request, integration, "pagerduty", stored, alerts)
    return {
        "status": "success",
        "message": "Event processed",
        "dedup_key": pagerduty.dedup_key_of(event),
        **result,
    }


# Each webhook is one hop to the thread pool: authentication (before the body is looked at,
# so a caller without a valid key learns nothing about the format: 401 before 422),
# validation and the durable append all run there, off the event loop.
@router.post(
    "/alertmanager",
    summary="Prometheus Alertmanager webhook (version 4)",
    status_code=202,
    openapi_extra=_body_schema(alertmanager.AlertmanagerWebhook),
)
async def alertmanager_webhook(request: Request) -> Response:
    """Store an Alertmanager notification in the intake log; 202 once it is durable."""
    return await _answer(request, _alertmanager)


@router.post(
    "/grafana",
    summary="Grafana alerting webhook",
    status_code=202,
    openapi_extra=_body_schema(grafana.GrafanaWebhook),
)
async def grafana_webhook(request: Request) -> Response:
    """Store a Grafana notification in the intake log; 202 once it is durable."""
    return await _answer(request, _grafana)


@router.post(
    "/pagerduty",
    summary="PagerDuty Events API v2 event",
    status_code=202,
    openapi_extra=_body_schema(pagerduty.PagerDutyEvent),
)
async def pagerduty_event(request: Request) -> Response:
    """Store a PagerDuty Events API v2 event in the intake log; 202 once it is durable."""
    return await _answer(request, _pagerduty)


Handler = Callable[[Request, str | None, bytes], dict[str, Any]]


async def _answer(request: Request, handler: Handler) -> Response:
    body = await request.body()
    answer = await run_in_threadpool(handler, request, _key(request), body)
    # orjson straight to bytes: FastAPI deprecated its ORJSONResponse, and these answers
    # bypass its serialisation anyway (the routes read raw bytes and build plain dicts).
    return Response(orjson.dumps(answer), status_code=202, media_type="application/json")
