"""Incident tasks: checklist items an incident got when it entered a phase."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.storage.base import Base
from warroom.storage.bounds import RowId


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
    # Checked by warroom because it recorded the fact the task asks for (see autocheck).
    checked_auto: Mapped[bool] = mapped_column(Boolean, default=False)
    # What shows the task is done: the recorded fact, or the note of the person who checked it.
    evidence: Mapped[str | None] = mapped_column(Text)


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
    checked_auto: bool = False
    evidence: str | None = None


class TaskCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2_000, description="kept on the timeline")


class TasksCheck(BaseModel):
    """Several tasks checked off at once (the console's checkboxes, ``incident check ID ID``)."""

    model_config = ConfigDict(extra="forbid")

    ids: list[RowId] = Field(min_length=1, max_length=500, description="task ids of the incident")
    note: str | None = Field(default=None, max_length=2_000, description="kept on the timeline")
