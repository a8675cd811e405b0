"""PagerDuty Events API v2 events (``POST /api/v1/integrations/pagerduty``).

``trigger`` opens or repeats an alert keyed by ``dedup_key`` (generated when absent, and
returned like PagerDuty does), ``acknowledge`` acknowledges its incident, ``resolve``
resolves the alert.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from warroom.alerts.models import AlertCreate
from warroom.alerts.parsers.common import as_strings, extract_metrics, parse_time


class PdPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    summary: str = Field(min_length=1, max_length=1024)
    source: str = Field(min_length=1, max_length=255)
    severity: Literal["critical", "error", "warning", "info"]
    timestamp: datetime | None = None
    component: str | None = None
    group: str | None = None
    class_: str | None = Field(default=None, alias="class")
    custom_details: dict[str, Any] | None = None


class PagerDutyEvent(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    routing_key: str | None = Field(default=None, min_length=1)
    event_action: Literal["trigger", "acknowledge", "resolve"]
    dedup_key: str | None = Field(default=None, min_length=1, max_length=200)
    payload: PdPayload | None = None
    images: list[dict[str, Any]] = Field(default_factory=list)
    links: list[dict[str, Any]] = Field(default_factory=list)
    client: str | None = None
    client_url: str | None = None

    @model_validator(mode="after")
    def _check_action(self) -> PagerDutyEvent:
        if self.event_action == "trigger":
            if self.payload is None:
                raise ValueError("payload is required for event_action trigger")
            if self.dedup_key is None:
                self.dedup_key = uuid.uuid4().hex
        elif self.dedup_key is None:
            raise ValueError(f"dedup_key is required for event_action {self.event_action}")
        return self


def dedup_key_of(event: PagerDutyEvent) -> str:
    assert event.dedup_key is not None  # set by the model validator
    return event.dedup_key


def to_alerts(event: PagerDutyEvent, *, now: datetime) -> list[AlertCreate]:
    """The single alert this event is about."""
    key = dedup_key_of(event)
    p = event.payload
    details = (p.custom_details if p else None) or {}
    name = str(details.get("alertname") or (p.class_ if p else None) or (p.summary if p else key))
    service = (p.component or details.get("service") or p.source) if p else None
    labels = {"source": p.source} if p else {}
    if p and p.group:
        labels["group"] = p.group
    return [
        AlertCreate(
            source="pagerduty",
            fingerprint=key,
            name=name[:200],
            service=str(service) if service else None,
            status="resolved" if event.event_action == "resolve" else "firing",
            severity=p.severity if p else None,
            summary=p.summary if p else None,
            labels=labels,
            annotations=as_strings(details),
            metrics=extract_metrics(details),
            starts_at=(parse_time(p.timestamp) if p else None) or now,
            ends_at=now if event.event_action == "resolve" else None,
            acknowledge=event.event_action == "acknowledge",
        )
    ]
