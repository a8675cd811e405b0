"""IncidentUpdate: a status update posted to stakeholders; ``public`` ones go to the status page."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.storage.base import Base
from warroom.storage.bounds import AwareUtcTime

UpdateStatus = Literal["investigating", "identified", "monitoring", "resolved"]


class IncidentUpdate(Base):
    __tablename__ = "incident_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    impact: Mapped[str | None] = mapped_column(Text)
    next_update_at: Mapped[datetime | None]
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    posted_by: Mapped[str] = mapped_column(String(200))
    posted_at: Mapped[datetime]


class IncidentUpdateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: UpdateStatus
    message: str = Field(min_length=1, max_length=10_000)
    impact: str | None = Field(default=None, max_length=2_000)
    next_update_at: AwareUtcTime | None = Field(
        default=None, description="default: now + the severity's update cadence"
    )
    public: bool = False


class IncidentUpdateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: str
    status: str
    message: str
    impact: str | None
    next_update_at: datetime | None
    public: bool
    posted_by: str
    posted_at: datetime
