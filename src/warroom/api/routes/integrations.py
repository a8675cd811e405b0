"""Webhook intake for Alertmanager, Grafana and PagerDuty-style events.

Each integration is authenticated by its own key, given as ``?key=...`` in the URL (what
``warroom integration create`` prints) or as ``Authorization: Bearer <key>``; PagerDuty
events may also carry it as ``routing_key``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from warroom.alerts.batch import ingest_batch, summary
from warroom.alerts.models import AlertCreate
from warroom.alerts.parsers import alertmanager, grafana, pagerduty
from warroom.api.deps import ContainerDep, bearer_token
from warroom.auth import service as auth
from warroom.auth.models import Integration
from warroom.errors import AuthError

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])


def _key(request: Request) -> str | None:
    return request.query_params.get("key") or bearer_token(request)


def _authenticate(request: Request, kind: str, key: str | None) -> Integration:
    if not key:
        raise AuthError(f"missing {kind} integration key: add ?key=... to the webhook URL")
    container = request.app.state.container
    with container.db.read() as session:
        return auth.authenticate_integration(session=session, kind=kind, key=key)


# Dependencies run before the body is validated, so a caller without a valid key learns
# nothing about the payload format (401 before 422).
def alertmanager_integration(request: Request) -> Integration:
    return _authenticate(request, "alertmanager", _key(request))


def grafana_integration(request: Request) -> Integration:
    return _authenticate(request, "grafana", _key(request))


def pagerduty_integration(request: Request) -> Integration | None:
    key = _key(request)
    return _authenticate(request, "pagerduty", key) if key else None


def _run(request: Request, integration: Integration, alerts: list[AlertCreate]) -> dict[str, Any]:
    actor = f"integration:{integration.kind}:{integration.name}"
    result = ingest_batch(
        request.app.state.container,
        alerts,
        actor=actor,
        integration_id=integration.id,
        on_stored=request.app.state.metrics.count_ingest,
    )
    return summary(result)


@router.post("/alertmanager", summary="Prometheus Alertmanager webhook (version 4)")
def alertmanager_webhook(
    payload: alertmanager.AlertmanagerWebhook,
    request: Request,
    container: ContainerDep,
    integration: Annotated[Integration, Depends(alertmanager_integration)],
) -> dict[str, Any]:
    return _run(request, integration, alertmanager.to_alerts(payload, now=container.clock()))


@router.post("/grafana", summary="Grafana alerting webhook")
def grafana_webhook(
    payload: grafana.GrafanaWebhook,
    request: Request,
    container: ContainerDep,
    integration: Annotated[Integration, Depends(grafana_integration)],
) -> dict[str, Any]:
    return _run(request, integration, grafana.to_alerts(payload, now=container.clock()))


@router.post("/pagerduty", summary="PagerDuty Events API v2 event", status_code=202)
def pagerduty_event(
    payload: pagerduty.PagerDutyEvent,
    request: Request,
    container: ContainerDep,
    by_url: Annotated[Integration | None, Depends(pagerduty_integration)],
) -> dict[str, Any]:
    integration = by_url or _authenticate(request, "pagerduty", payload.routing_key)
    result = _run(request, integration, pagerduty.to_alerts(payload, now=container.clock()))
    return {
        "status": "success",
        "message": "Event processed",
        "dedup_key": pagerduty.dedup_key_of(payload),
        **result,
    }
