"""A room per incident, every message warroom posted there, who is who on the platform, and
rollback approvals waiting for a click.

Ids are stored as soon as the platform returns them, and a room or message row exists
(with its idempotency key) before the platform call that creates it: a worker that dies in
between leaves a row that tells the next attempt to look for what was created instead of
creating it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.storage.base import Base


class ChatRoom(Base):
    __tablename__ = "chat_rooms"

    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    platform: Mapped[str] = mapped_column(String(32))
    #: creating → open → archived
    state: Mapped[str] = mapped_column(String(16))
    #: The name being created (kept across attempts so a retry looks for it first).
    name: Mapped[str] = mapped_column(String(80))
    channel_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    creating_since: Mapped[datetime]
    opening_ts: Mapped[str | None] = mapped_column(String(40))
    pinned: Mapped[bool] = mapped_column(default=False)
    topic: Mapped[str | None] = mapped_column(String(250))
    invited: Mapped[list[Any]]
    #: The last timeline event id the room has seen (posted or deliberately skipped).
    mirrored_through: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]


class ChatMessage(Base):
    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    incident_id: Mapped[str | None] = mapped_column(String(40), index=True)
    channel_id: Mapped[str] = mapped_column(String(40))
    ts: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    #: The job attempt posting it: a retry of the same job looks for it before posting.
    owner: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime]
    posted_at: Mapped[datetime | None]


class ChatUser(Base):
    __tablename__ = "chat_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(40), unique=True)
    person: Mapped[str] = mapped_column(String(200), index=True)
    resolved_at: Mapped[datetime]


class ChatApproval(Base):
    __tablename__ = "chat_approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    service: Mapped[str] = mapped_column(String(200))
    from_version: Mapped[str | None] = mapped_column(String(100))
    to_version: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict[str, Any]]
    #: pending → approved | declined | expired
    status: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    rollback_id: Mapped[int | None]


class ChatRoomRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    incident_id: str
    platform: str
    state: str
    name: str
    channel_id: str | None
    opened_at: datetime | None
    archived_at: datetime | None
    link: str | None = None
