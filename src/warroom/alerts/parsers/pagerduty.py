"""PagerDuty Events API v2 events (``POST /api/v1/integrations/pagerduty``).

``trigger`` opens or repeats an alert keyed by ``dedup_key`` (generated when absent, and
returned like PagerDuty does), ``acknowledge`` acknowledges its incident, ``resolve``
resolves the alert.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from warroom.alerts.models import AlertCreate
from warroom.alerts.parsers.common import as_strings, extract_metrics, parse_time
from warroom.storage.bounds import JsonObject, UtcTime

EventAction = Literal["trigger", "acknowledge", "resolve"]


class PdPayload(BaseModel):
    """What a trigger event says about the problem."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    summary: str = Field(min_length=1, max_length=1024)
    source: str = Field(min_length=1, max_length=255)
    severity: Literal["critical", "error", "warning", "info"]
    timestamp: UtcTime | None = None
    component: str | None = None
    group: str | None = None
    class_: str | None = Field(default=None, alias="class")
    custom_details: JsonObject | None = None


class PagerDutyEvent(BaseModel):
    """One Events API v2 event; the routing key may instead be given in the URL."""

    model_config = ConfigDict(extra="allow")

    routing_key: str | None = Field(default=None, min_length=1)
    event_action: EventAction
    # Validated even when absent, so the checks below run and their errors name the field.
    dedup_key: str | None = Field(default=None, min_length=1, max_length=200, validate_default=True)
    payload: PdPayload | None = Field(default=None, validate_default=True)
    images: list[dict[str, Any]] = Field(default_factory=list)
    links: list[dict[str, Any]] = Field(default_factory=list)
    client: str | None = None
    client_url: str | None = None

    @field_validator("dedup_key")
    @classmethod
    def _dedup_key(cls, key: str | None, info: ValidationInfo) -> str | None:
        action = info.data.get("event_action")
        if key is None and action == "trigger":
            # Generated here so the key echoed to the sender is the alert's fingerprint.
            return uuid.uuid4().hex
        if key is None and action is not None:
            raise ValueError(f"dedup_key is required for event_action {action}")
        return key

    @field_validator("payload")
    @classmethod
    def _payload(cls, payload: PdPayload | None, info: ValidationInfo) -> PdPayload | None:
        if payload is None and info.data.get("event_action") == "trigger":
            raise ValueError("payload is required for event_action trigger")
        return payload


def dedup_key_of(event: PagerDutyEvent) -> str:
    """The event's dedup key, as given or as generated on validation."""
    if event.dedup_key is None:
        raise ValueError("the event was not validated: build it with model_validate")
    return event.dedup_key


def to_alerts(event: PagerDutyEvent, *, now: datetime) -> list[AlertCreate]:
    """The single alert this event is about."""
    key = dedup_key_of(event)
    p = event.payload
    resolve = event.event_action == "resolve"
    # What the action decides; the payload, when there is one, describes the problem.
    base: dict[str, Any] = {
        "source": "pagerduty",
        "fingerprint": key,
        "status": "resolved" if resolve else "firing",
        "ends_at": now if resolve else None,
        "acknowledge": event.event_action == "acknowledge",
    }
    if p is None:
        return [AlertCreate(name=key, starts_at=now, **base)]
    details = p.custom_details or {}
    service = p.component or _text(details.get("service")) or p.source
    labels = {"source": p.source, "component": p.component, "group": p.group, "class": p.class_}
    return [
        AlertCreate(
            name=(_text(details.get("alertname")) or p.class_ or p.summary)[:200],
            service=service,
            severity=p.severity,
            summary=p.summary,
            labels={k: v for k, v in labels.items() if v},
            annotations=as_strings(details),
            metrics=extract_metrics(details),
            starts_at=parse_time(p.timestamp) or now,
            **base,
        )
    ]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
