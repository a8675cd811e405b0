"""Postmortems (stored, versioned Markdown) and action items."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.storage.base import Base
from warroom.storage.bounds import AwareUtcTime, NotNull, RowId

PostmortemStatus = Literal["draft", "in_review", "published"]
ActionStatus = Literal["open", "in_progress", "done", "wont_do"]
Priority = Literal["high", "medium", "low"]
POSTMORTEM_STATUSES: tuple[str, ...] = ("draft", "in_review", "published")
ACTION_STATUSES: tuple[str, ...] = ("open", "in_progress", "done", "wont_do")
CLOSED_ACTIONS = ("done", "wont_do")


class Postmortem(Base):
    __tablename__ = "postmortems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)
    template: Mapped[str] = mapped_column(String(100))
    markdown: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    root_cause_category: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


class PostmortemRevision(Base):
    __tablename__ = "postmortem_revisions"
    __table_args__ = (UniqueConstraint("postmortem_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    postmortem_id: Mapped[int] = mapped_column(
        ForeignKey("postmortems.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    markdown: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class ActionItem(Base):
    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]


class PostmortemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: str
    status: str
    template: str
    markdown: str
    version: int
    root_cause_category: str | None
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class PostmortemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str | None = Field(
        default=None, max_length=100, description="default: the playbook's choice by severity"
    )


class PostmortemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    markdown: str | None = Field(default=None, min_length=1, max_length=500_000)
    status: PostmortemStatus | None = None
    root_cause_category: str | None = Field(default=None, min_length=1, max_length=100)
    base_version: RowId | None = Field(
        default=None, description="the version the edit started from; a newer one is a 409"
    )
    note: str | None = Field(default=None, max_length=2_000)


class RevisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    actor: str
    at: datetime
    note: str | None


class ActionItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    priority: Priority = "medium"
    due_at: AwareUtcTime | None = Field(
        default=None, description="default: now + the playbook's action_due_after"
    )


class ActionItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Absent keeps a field; null clears the nullable ones (owner, due_at) only.
    title: Annotated[str | None, NotNull] = Field(default=None, min_length=1, max_length=500)
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    priority: Annotated[Priority | None, NotNull] = None
    due_at: AwareUtcTime | None = None
    status: Annotated[ActionStatus | None, NotNull] = None


class ActionItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: str
    title: str
    owner: str | None
    priority: str
    due_at: datetime | None
    status: str
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
