"""Incident tasks: checklist items an incident got when it entered a phase."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.storage.base import Base


class IncidentTask(Base):
    __tablename__ = "incident_tasks"
    # One task per checklist item and incident: re-entering a phase adds nothing twice.
    __table_args__ = (UniqueConstraint("incident_id", "checklist", "title"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    phase: Mapped[str] = mapped_column(String(16))
    checklist: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    checked_at: Mapped[datetime | None]
    checked_by: Mapped[str | None] = mapped_column(String(200))


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: str
    phase: str
    checklist: str
    title: str
    required: bool
    created_at: datetime
    checked_at: datetime | None
    checked_by: str | None


class TaskCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2_000, description="kept on the timeline")
