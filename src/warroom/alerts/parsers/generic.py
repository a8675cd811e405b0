"""Generic JSON alerts: ``POST /api/v1/alerts`` with one alert or a list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

from warroom.alerts.models import AlertCreate
from warroom.alerts.parsers.common import label_fingerprint
from warroom.storage.bounds import FiniteFloat, to_utc


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("time must carry a UTC offset, e.g. 2026-01-01T00:00:00Z")
    return None if value is None else to_utc(value)


AwareTime = Annotated[datetime | None, AfterValidator(_aware)]


class GenericAlert(BaseModel):
    """One alert as a script or a tool without its own integration sends it."""

    # Unlike the webhook formats, people type these by hand, so a misspelt field is refused.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["HighErrorRate"])
    service: str | None = Field(default=None, max_length=200)
    status: Literal["firing", "resolved"] = "firing"
    severity: str | None = Field(default=None, max_length=32, examples=["critical", "P1"])
    summary: str | None = Field(default=None, max_length=10_000)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, FiniteFloat] = Field(default_factory=dict, examples=[{"error_rate": 0.6}])
    starts_at: AwareTime = None
    ends_at: AwareTime = None
    fingerprint: str | None = Field(default=None, min_length=1, max_length=200)


def _shape(value: Any) -> str:
    return "alerts" if isinstance(value, list) else "alert"


# Tagged by shape so a bad body reports one error path (body.alert.x or body.alerts.3.x),
# not one failure per union member.
GenericPayload = Annotated[
    Annotated[GenericAlert, Tag("alert")]
    | Annotated[list[GenericAlert], Field(min_length=1, max_length=1000), Tag("alerts")],
    Discriminator(_shape),
]


def to_alerts(payload: GenericPayload, *, now: datetime) -> list[AlertCreate]:
    """Normalise one generic alert or a list of them."""
    items = payload if isinstance(payload, list) else [payload]
    return [_one(item, now) for item in items]


def _one(item: GenericAlert, now: datetime) -> AlertCreate:
    fingerprint = item.fingerprint or label_fingerprint(
        "generic", item.name, item.service, item.labels
    )
    return AlertCreate(
        source="generic",
        fingerprint=fingerprint,
        name=item.name,
        service=item.service,
        status=item.status,
        severity=item.severity,
        summary=item.summary,
        labels=item.labels,
        annotations=item.annotations,
        metrics=item.metrics,
        starts_at=(item.starts_at or now).astimezone(UTC),
        ends_at=_ends(item, now),
    )


def _ends(item: GenericAlert, now: datetime) -> datetime | None:
    if item.ends_at is not None:
        return item.ends_at.astimezone(UTC)
    return now if item.status == "resolved" else None
