"""Notification: one outbox row per message to one person (or room) on one channel.

The row never holds a channel's URL or credentials: ``channel`` names a playbook channel and
``target`` is the address on it (an e-mail address, a Slack user), resolved at delivery time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.storage.base import Base

NotificationStatus = Literal["pending", "sending", "sent", "failed", "dead"]


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Also the idempotency key the receiver sees: the same on every delivery attempt.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    incident_id: Mapped[str | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(100))
    channel_type: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(500))
    person: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    incident_id: str | None
    channel: str
    channel_type: str
    target: str
    person: str | None
    level: int | None
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
