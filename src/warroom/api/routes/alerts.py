"""Generic alert intake and alert lookups."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response

from warroom.alerts import service
from warroom.alerts.models import AlertRead
from warroom.alerts.parsers import generic
from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.api.paging import CursorParam, paged
from warroom.bootstrap import Server
from warroom.intake.batch import ingest_batch, summary
from warroom.storage.bounds import RowId

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])


@router.post("", summary="Ingest one alert or a list of alerts (generic JSON)")
def ingest_generic(
    payload: generic.GenericPayload, request: Request, container: ContainerDep, who: Responder
) -> dict[str, Any]:
    alerts = generic.to_alerts(payload, now=container.clock())
    metrics = Server.of(request.app).intake_metrics
    return summary(ingest_batch(container, alerts, actor=who.actor, on_stored=metrics.count_ingest))


@router.get("", response_model=list[AlertRead])
def list_alerts(
    request: Request,
    response: Response,
    container: ContainerDep,
    _: Viewer,
    status: Literal["firing", "resolved"] | None = None,
    service_name: str | None = Query(default=None, alias="service"),
    name: str | None = None,
    incident_id: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    cursor: CursorParam = None,
) -> list[Any]:
    """Alerts, newest first; page on with ``cursor``."""
    with container.db.read() as session:
        page = service.list_alerts(
            session=session,
            status=status,
            service=service_name,
            name=name,
            incident_id=incident_id,
            limit=limit,
            cursor=cursor,
        )
        return paged(request, response, page)


@router.get("/{alert_id}", response_model=AlertRead)
def get_alert(alert_id: RowId, container: ContainerDep, _: Viewer) -> Any:
    with container.db.read() as session:
        return service.get(session=session, alert_id=alert_id)
