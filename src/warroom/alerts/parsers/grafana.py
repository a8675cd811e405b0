"""Grafana alerting webhook (``POST /api/v1/integrations/grafana``).

Grafana's unified alerting sends the Alertmanager-like shape plus ``values`` (query results
keyed by ref id, or by metric name when the query is named so), ``dashboardURL``,
``panelURL`` and a notification ``title``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from warroom.alerts.models import AlertCreate
from warroom.alerts.parsers.common import (
    extract_metrics,
    label_fingerprint,
    parse_time,
    service_from_labels,
    stored,
)
from warroom.storage.bounds import FiniteFloat, Int64, UtcTime


class GrafanaAlert(BaseModel):
    """One alert of a Grafana notification."""

    model_config = ConfigDict(extra="allow")

    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: UtcTime  # noqa: N815 (wire names)
    endsAt: UtcTime | None = None  # noqa: N815 (Go's zero time while firing)
    generatorURL: str | None = None  # noqa: N815
    fingerprint: str | None = Field(default=None, min_length=1, max_length=200)
    silenceURL: str | None = None  # noqa: N815
    dashboardURL: str | None = None  # noqa: N815
    panelURL: str | None = None  # noqa: N815
    values: dict[str, FiniteFloat | None] | None = None
    valueString: str | None = None  # noqa: N815


class GrafanaWebhook(BaseModel):
    """The body Grafana POSTs to a webhook contact point."""

    model_config = ConfigDict(extra="allow")

    receiver: str = ""
    status: Literal["firing", "resolved"]
    orgId: Int64 | None = None  # noqa: N815
    alerts: list[GrafanaAlert] = Field(max_length=10_000)
    groupLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonAnnotations: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    externalURL: str | None = None  # noqa: N815
    version: str = "1"
    groupKey: str | None = None  # noqa: N815
    truncatedAlerts: Int64 = 0  # noqa: N815
    title: str | None = None
    state: str | None = None
    message: str | None = None


def to_alerts(payload: GrafanaWebhook, *, now: datetime) -> list[AlertCreate]:
    """One AlertCreate per alert of the notification."""
    return stored(payload.alerts, lambda alert: _one(alert, payload.title, now))


def _one(alert: GrafanaAlert, title: str | None, now: datetime) -> AlertCreate:
    # Grafana sets alertname to the rule title; the notification title is a last resort.
    name = (alert.labels.get("alertname") or title or "GrafanaAlert")[:200]
    service = service_from_labels(alert.labels)
    annotations = alert.annotations
    # A firing alert's endsAt is only when it would lapse without a refresh, not an end.
    ends_at = (parse_time(alert.endsAt) or now) if alert.status == "resolved" else None
    return AlertCreate(
        source="grafana",
        fingerprint=alert.fingerprint or label_fingerprint("grafana", name, service, alert.labels),
        name=name,
        service=service,
        status=alert.status,
        severity=alert.labels.get("severity"),
        summary=annotations.get("summary") or annotations.get("description"),
        labels=alert.labels,
        annotations=annotations,
        # The query results are measured values, so they win over templated text.
        metrics=extract_metrics(alert.labels, annotations, alert.values),
        starts_at=parse_time(alert.startsAt) or now,
        ends_at=ends_at,
    )
