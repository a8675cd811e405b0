"""Incident, its timeline and its roles."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.alerts.models import AlertRead
from warroom.chat.models import ChatRoomRead
from warroom.playbook.terms import Severity
from warroom.storage.base import Base

Status = Literal[
    "triggered",
    "acknowledged",
    "investigating",
    "identified",
    "mitigating",
    "monitoring",
    "resolved",
    "closed",
]
Role = Literal[
    "incident_commander",
    "technical_lead",
    "communications_lead",
    "security_lead",
    "customer_success",
]
SeverityStr = Severity


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_group_open", "group_key", "status"),
        # Lists and reports read in detection order, open incidents first (migration 0016).
        Index("ix_incidents_resolved_detected", "resolved_at", "detected_at", "id"),
        Index("ix_incidents_detected", "detected_at", "id"),
        # Every column a report aggregates: reports read this index, never the rows.
        Index(
            "ix_incidents_report",
            "detected_at",
            "severity",
            "service",
            "started_at",
            "acknowledged_at",
            "resolved_at",
            "id",
        ),  # fmt: skip
        # Drill incidents, which the console's reports leave out (reports.aggregate).
        Index(
            "ix_incidents_drill",
            "detected_at",
            sqlite_where=text("json_extract(labels, '$.drill') = 'true'"),
            postgresql_where=text("(labels ->> 'drill') = 'true'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(2), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    service: Mapped[str | None] = mapped_column(String(200), index=True)
    team: Mapped[str | None] = mapped_column(String(200))
    group_key: Mapped[str | None] = mapped_column(String(400))
    started_at: Mapped[datetime]
    detected_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    mitigated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    last_alert_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    metrics: Mapped[dict[str, float]]
    impact: Mapped[str | None] = mapped_column(Text)
    labels: Mapped[dict[str, str]]

    timeline: Mapped[list[TimelineEvent]] = relationship(
        order_by="TimelineEvent.id", lazy="raise", cascade="all, delete-orphan"
    )
    roles: Mapped[list[IncidentRole]] = relationship(
        order_by="IncidentRole.id", lazy="raise", cascade="all, delete-orphan"
    )


class TimelineEvent(Base):
    __tablename__ = "timeline_events"
    # Reports look up one kind of event (rollbacks) among every incident's (migration 0016).
    __table_args__ = (Index("ix_timeline_events_kind_incident", "kind", "incident_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]]


class IncidentRole(Base):
    __tablename__ = "incident_roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(40))
    person: Mapped[str] = mapped_column(String(200))
    assumed_at: Mapped[datetime]
    renounced_at: Mapped[datetime | None]


class TimelineEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    kind: str
    actor: str
    message: str
    data: dict[str, Any]


class IncidentRoleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: str
    person: str
    assumed_at: datetime
    renounced_at: datetime | None


class IncidentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    severity: str
    status: str
    service: str | None
    team: str | None
    started_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    metrics: dict[str, float]
    impact: str | None
    labels: dict[str, str]


class IncidentDetail(IncidentRead):
    timeline: list[TimelineEventRead]
    roles: list[IncidentRoleRead]
    alerts: list[AlertRead]
    chat_room: ChatRoomRead | None = None


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    message: str | None = Field(default=None, max_length=10_000)


class SeverityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: SeverityStr
    reason: str = Field(min_length=1, max_length=2_000)


class RoleAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    person: str = Field(min_length=1, max_length=200)


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=10_000)


Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class IncidentDeclare(BaseModel):
    """An incident opened by a person (no alert needed): ``POST /api/v1/incidents``."""

    model_config = ConfigDict(extra="forbid")

    title: Line = Field(max_length=300)
    severity: SeverityStr
    service: Line = Field(max_length=200, description="the affected service (any name)")
    summary: str | None = Field(default=None, max_length=10_000, description="what is known")
    commander: Line | None = Field(
        default=None, max_length=200, description="a person of the playbook or directory"
    )


class AcknowledgeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str | None = Field(default=None, max_length=10_000)


class IncidentDay(Base):
    """The response figures of the incidents detected on one UTC day (and resolved on
    another, or not yet: ``resolved_day`` ''), per severity; kept by ``incidents.rollup``
    in the transaction of every incident change, so that reports read a row per day."""

    __tablename__ = "incident_days"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    resolved_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    severity: Mapped[str] = mapped_column(String(2), primary_key=True)
    drill: Mapped[bool] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Sums of durations in milliseconds (integers: adding and taking away stays exact).
    mttd_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    acked: Mapped[int] = mapped_column(BigInteger, default=0)
    mtta_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    resolved: Mapped[int] = mapped_column(BigInteger, default=0)
    mttr_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class IncidentHour(Base):
    """Incidents detected in one UTC hour (``YYYY-MM-DD HH``) per severity, and how many of
    them were acknowledged and resolved: an SLA deadline that falls inside a day counts the
    hours of that day before it from here, and only the last hour from the incidents."""

    __tablename__ = "incident_hours"

    hour: Mapped[str] = mapped_column(String(13), primary_key=True)
    severity: Mapped[str] = mapped_column(String(2), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    acked: Mapped[int] = mapped_column(BigInteger, default=0)
    resolved: Mapped[int] = mapped_column(BigInteger, default=0)


class IncidentDayBucket(Base):
    """How many incidents of a day took at most ``le`` seconds to be acknowledged or
    resolved (and more than the bucket below): fixed histogram buckets for SLA counts."""

    __tablename__ = "incident_day_buckets"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    severity: Mapped[str] = mapped_column(String(2), primary_key=True)
    drill: Mapped[bool] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(8), primary_key=True)
    le: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


class ServiceDay(Base):
    """Incidents detected per service ('' for none) and UTC day, in service order so that
    a report lists a page of services without grouping all of them."""

    __tablename__ = "incident_service_days"

    service: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
