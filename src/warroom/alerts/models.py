"""Alert: one signal from a monitoring tool or a detector, normalised."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.storage.base import Base
from warroom.storage.bounds import FiniteFloat, UtcTime

AlertStatus = Literal["firing", "resolved"]
#: Column lengths of an alert's name, fingerprint and service, and of its severity.
TEXT_MAX = 200
SEVERITY_MAX = 32


class Alert(Base):
    __tablename__ = "alerts"
    # Lookups by fingerprint and by incident always filter on status too; leading with the
    # selective column keeps SQLite's planner off the status index (see migration 0011).
    __table_args__ = (
        Index("ix_alerts_source_fingerprint_status", "source", "fingerprint", "status"),
        Index("ix_alerts_incident_id_status", "incident_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(TEXT_MAX))
    name: Mapped[str] = mapped_column(String(TEXT_MAX), index=True)
    service: Mapped[str | None] = mapped_column(String(TEXT_MAX), index=True)
    severity: Mapped[str | None] = mapped_column(String(SEVERITY_MAX))
    summary: Mapped[str | None] = mapped_column(Text)
    labels: Mapped[dict[str, str]]
    annotations: Mapped[dict[str, str]]
    metrics: Mapped[dict[str, float]]
    status: Mapped[str] = mapped_column(String(16), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    received_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    silence_id: Mapped[int | None] = mapped_column(ForeignKey("silences.id", ondelete="SET NULL"))
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="SET NULL")
    )
    # Rules with a "for" that this alert holds, and since when (ISO 8601); None when the
    # playbook has no such rule. An alert held only by unfinished "for" rules is pending.
    holds: Mapped[dict[str, str] | None]


class AlertCreate(BaseModel):
    """One alert as every parser hands it to the intake, whatever its wire format."""

    model_config = ConfigDict(extra="forbid")

    # Lengths are the columns': every source's alert is checked here before storage.
    source: str = Field(
        max_length=32, description="alertmanager | grafana | pagerduty | generic | detector"
    )
    fingerprint: str = Field(min_length=1, max_length=TEXT_MAX)
    name: str = Field(min_length=1, max_length=TEXT_MAX)
    service: str | None = Field(default=None, max_length=TEXT_MAX)
    status: AlertStatus = "firing"
    severity: str | None = Field(
        default=None, max_length=SEVERITY_MAX, description="severity as the source stated it"
    )
    summary: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, FiniteFloat] = Field(default_factory=dict)
    starts_at: UtcTime
    ends_at: UtcTime | None = None
    acknowledge: bool = Field(
        default=False, description="the source acknowledged it (PagerDuty event_action)"
    )


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    fingerprint: str
    name: str
    service: str | None
    severity: str | None
    summary: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    metrics: dict[str, float]
    status: str
    starts_at: datetime
    ends_at: datetime | None
    received_at: datetime
    updated_at: datetime
    repeat_count: int
    incident_id: str | None
    silence_id: int | None


def alert_as_dict(alert: Alert) -> dict[str, Any]:
    return AlertRead.model_validate(alert).model_dump(mode="json")
