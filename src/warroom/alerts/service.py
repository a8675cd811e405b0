"""Alert lookups; storing alerts is the intake's job (``warroom.intake.service``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.errors import NotFound
from warroom.storage.paging import Key, Page, paginate


def get(*, session: Session, alert_id: int) -> Alert:
    """The alert, or NotFound."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} not found")
    return alert


def list_alerts(
    *,
    session: Session,
    status: str | None = None,
    service: str | None = None,
    name: str | None = None,
    incident_id: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> Page[Alert]:
    """A page of alerts, newest first, optionally filtered."""
    query = select(Alert)
    if status:
        query = query.where(Alert.status == status)
    if service:
        query = query.where(Alert.service == service)
    if name:
        query = query.where(Alert.name == name)
    if incident_id:
        query = query.where(Alert.incident_id == incident_id)
    order = (Key(Alert.id),)
    return paginate(session, query, order, list_name="alerts", cursor=cursor, limit=limit)
