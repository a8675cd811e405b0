"""Prometheus Alertmanager webhook, version 4 (``POST /api/v1/integrations/alertmanager``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.alerts.models import AlertCreate
from warroom.alerts.parsers.common import (
    extract_metrics,
    label_fingerprint,
    parse_time,
    service_from_labels,
)


class AmAlert(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: str = Field(pattern="^(firing|resolved)$")
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime  # noqa: N815 (wire names)
    endsAt: datetime | None = None  # noqa: N815 (Go's zero time while firing)
    generatorURL: str | None = None  # noqa: N815
    fingerprint: str | None = None

    @field_validator("labels")
    @classmethod
    def _has_alertname(cls, labels: dict[str, str]) -> dict[str, str]:
        if not labels.get("alertname"):
            raise ValueError("every alert needs an alertname label")
        return labels


class AlertmanagerWebhook(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: str = "4"
    status: str = Field(pattern="^(firing|resolved)$")
    receiver: str = ""
    alerts: list[AmAlert] = Field(max_length=10_000)
    groupKey: str | None = None  # noqa: N815
    groupLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonAnnotations: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    externalURL: str | None = None  # noqa: N815
    truncatedAlerts: int = 0  # noqa: N815


def to_alerts(payload: AlertmanagerWebhook, *, now: datetime) -> list[AlertCreate]:
    """One AlertCreate per alert of the notification."""
    return [_one(alert) for alert in payload.alerts]


def _one(alert: AmAlert) -> AlertCreate:
    name = alert.labels["alertname"]
    service = service_from_labels(alert.labels)
    annotations = alert.annotations
    return AlertCreate(
        source="alertmanager",
        fingerprint=alert.fingerprint
        or label_fingerprint("alertmanager", name, service, alert.labels),
        name=name,
        service=service,
        status="resolved" if alert.status == "resolved" else "firing",
        severity=alert.labels.get("severity"),
        summary=annotations.get("summary") or annotations.get("description"),
        labels=alert.labels,
        annotations=annotations,
        metrics=extract_metrics(alert.labels, annotations),
        starts_at=parse_time(alert.startsAt) or alert.startsAt,
        ends_at=parse_time(alert.endsAt),
    )
