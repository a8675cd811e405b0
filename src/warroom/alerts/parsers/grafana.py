"""Grafana alerting webhook (``POST /api/v1/integrations/grafana``).

Grafana's unified alerting sends the Alertmanager-like shape plus ``values`` (query results
keyed by ref id or metric name), ``dashboardURL``, ``panelURL`` and a notification ``title``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from warroom.alerts.models import AlertCreate
from warroom.alerts.parsers.common import (
    extract_metrics,
    label_fingerprint,
    parse_time,
    service_from_labels,
)


class GrafanaAlert(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: str = Field(pattern="^(firing|resolved)$")
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime  # noqa: N815
    endsAt: datetime | None = None  # noqa: N815
    generatorURL: str | None = None  # noqa: N815
    fingerprint: str | None = None
    silenceURL: str | None = None  # noqa: N815
    dashboardURL: str | None = None  # noqa: N815
    panelURL: str | None = None  # noqa: N815
    values: dict[str, float | None] | None = None
    valueString: str | None = None  # noqa: N815


class GrafanaWebhook(BaseModel):
    model_config = ConfigDict(extra="allow")

    receiver: str = ""
    status: str = Field(pattern="^(firing|resolved)$")
    orgId: int | None = None  # noqa: N815
    alerts: list[GrafanaAlert] = Field(max_length=10_000)
    groupLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonAnnotations: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    externalURL: str | None = None  # noqa: N815
    version: str = "1"
    groupKey: str | None = None  # noqa: N815
    truncatedAlerts: int = 0  # noqa: N815
    title: str | None = None
    state: str | None = None
    message: str | None = None


def to_alerts(payload: GrafanaWebhook, *, now: datetime) -> list[AlertCreate]:
    """One AlertCreate per alert of the notification."""
    return [_one(alert, payload) for alert in payload.alerts]


def _one(alert: GrafanaAlert, payload: GrafanaWebhook) -> AlertCreate:
    # Grafana always sets alertname (the rule title); fall back to the notification title.
    name = alert.labels.get("alertname") or payload.title or "GrafanaAlert"
    service = service_from_labels(alert.labels)
    values = {k: v for k, v in (alert.values or {}).items() if v is not None}
    annotations = alert.annotations
    return AlertCreate(
        source="grafana",
        fingerprint=alert.fingerprint or label_fingerprint("grafana", name, service, alert.labels),
        name=name[:200],
        service=service,
        status="resolved" if alert.status == "resolved" else "firing",
        severity=alert.labels.get("severity"),
        summary=annotations.get("summary") or annotations.get("description"),
        labels=alert.labels,
        annotations=annotations,
        metrics=extract_metrics(alert.labels, annotations, values),
        starts_at=parse_time(alert.startsAt) or alert.startsAt,
        ends_at=parse_time(alert.endsAt),
    )
