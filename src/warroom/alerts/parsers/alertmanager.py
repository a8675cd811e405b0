"""Prometheus Alertmanager webhook, version 4 (``POST /api/v1/integrations/alertmanager``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.alerts.models import SEVERITY_MAX, TEXT_MAX, AlertCreate
from warroom.alerts.parsers.common import (
    extract_metrics,
    label_fingerprint,
    parse_time,
    service_from_labels,
    stored,
)
from warroom.storage.bounds import Int64, UtcTime


class AmAlert(BaseModel):
    """One alert of an Alertmanager notification."""

    model_config = ConfigDict(extra="allow")

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: UtcTime  # noqa: N815 (wire names)
    endsAt: UtcTime | None = None  # noqa: N815 (Go's zero time while firing)
    generatorURL: str | None = None  # noqa: N815
    fingerprint: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("labels")
    @classmethod
    def _has_alertname(cls, labels: dict[str, str]) -> dict[str, str]:
        name = labels.get("alertname")
        if not name:
            raise ValueError("every alert needs an alertname label")
        if len(name) > 200:
            raise ValueError("the alertname label must be at most 200 characters")
        return labels


class AlertmanagerWebhook(BaseModel):
    """The body Alertmanager POSTs to a webhook receiver."""

    model_config = ConfigDict(extra="allow")

    version: Literal["4"] = "4"
    status: Literal["firing", "resolved"]
    receiver: str = ""
    alerts: list[AmAlert] = Field(max_length=10_000)
    groupKey: str | None = None  # noqa: N815
    groupLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonAnnotations: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    externalURL: str | None = None  # noqa: N815
    truncatedAlerts: Int64 = 0  # noqa: N815


def to_alerts(payload: AlertmanagerWebhook, *, now: datetime) -> list[AlertCreate]:
    """One AlertCreate per alert of the notification."""
    return stored(payload.alerts, lambda alert: _one(alert, now))


def count(payload: AlertmanagerWebhook, *, now: datetime) -> int:
    """How many alerts the notification holds, refusing (``InvalidInput``, naming the alert)
    one that :func:`to_alerts` would refuse, without building them: the webhook answers after
    this check and the intake processor builds the alerts. The notification's model already
    checked every field an alert copies as it is; what the alert derives (its service and
    severity from the labels) is checked against the columns here."""
    for alert in payload.alerts:
        service = service_from_labels(alert.labels)
        severity = alert.labels.get("severity")
        if len(service or "") > TEXT_MAX or len(severity or "") > SEVERITY_MAX:
            to_alerts(payload, now=now)  # raises, naming the alert and the field
    return len(payload.alerts)


def _one(alert: AmAlert, now: datetime) -> AlertCreate:
    name = alert.labels["alertname"]
    service = service_from_labels(alert.labels)
    annotations = alert.annotations
    # A firing alert's endsAt is only when it would lapse without a refresh, not an end.
    ends_at = (parse_time(alert.endsAt) or now) if alert.status == "resolved" else None
    return AlertCreate(
        source="alertmanager",
        fingerprint=alert.fingerprint
        or label_fingerprint("alertmanager", name, service, alert.labels),
        name=name,
        service=service,
        status=alert.status,
        severity=alert.labels.get("severity"),
        summary=annotations.get("summary") or annotations.get("description"),
        labels=alert.labels,
        annotations=annotations,
        # Annotations carry the values ({{ $value }}); they win over a same-named label.
        metrics=extract_metrics(alert.labels, annotations),
        starts_at=parse_time(alert.startsAt) or now,
        ends_at=ends_at,
    )
