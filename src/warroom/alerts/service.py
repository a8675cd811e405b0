"""Alert lookups; storing alerts is the intake's job (``warroom.intake.service``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.errors import NotFound


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
) -> list[Alert]:
    """Alerts, newest first, optionally filtered."""
    query = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if status:
        query = query.where(Alert.status == status)
    if service:
        query = query.where(Alert.service == service)
    if name:
        query = query.where(Alert.name == name)
    if incident_id:
        query = query.where(Alert.incident_id == incident_id)
    return list(session.scalars(query))
