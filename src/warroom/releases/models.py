"""A release: one candidate version of a model service on its way to all of the traffic.

    planned → shadow → canary (step k) ⇄ awaiting_approval → promoted | aborted

The row is the durable state machine; a runner holds a lease on it while it works, so a
killed process's release is resumed by the next one from the state it stood in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.playbook.durations import Duration
from warroom.playbook.release import check_steps
from warroom.storage.base import Base

ReleaseState = Literal["planned", "shadow", "canary", "awaiting_approval", "promoted", "aborted"]
FINAL_STATES = ("promoted", "aborted")
Verdict = Literal["pass", "fail", "inconclusive"]


class Release(Base):
    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(100))
    #: The version serving when the release started: the comparison and the rollback target.
    stable_version: Mapped[str | None] = mapped_column(String(100))
    backend: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(24), index=True)
    step: Mapped[int] = mapped_column(Integer, default=-1)  # index into steps; -1 before canary
    steps: Mapped[list[Any]]
    interval_seconds: Mapped[float] = mapped_column(Float)
    shadow_seconds: Mapped[float] = mapped_column(Float)
    shadow_share: Mapped[float] = mapped_column(Float)
    approve_before: Mapped[list[Any]]
    approved: Mapped[list[Any]]  # step indexes a person approved
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A person asked to abort; the runner sends the traffic back and concludes.
    abort_requested_by: Mapped[str | None] = mapped_column(String(200))
    state_since: Mapped[datetime]
    judgement: Mapped[dict[str, Any]]  # the current stage's latest judgement, with figures
    judgements: Mapped[list[Any]]  # the final judgement of every stage passed or failed
    incident_id: Mapped[str | None] = mapped_column(String(40))
    rollback_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    runner: Mapped[str | None] = mapped_column(String(64))
    # One release per service at a time: a unique slot that final states free.
    in_flight_service: Mapped[str | None] = mapped_column(String(200), unique=True)


class ReleaseCreate(BaseModel):
    """A release request; unset fields take the playbook's ``release`` section."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=100)
    artifact: str | None = Field(default=None, max_length=4_000)
    endpoint: str | None = Field(default=None, max_length=4_000)
    threshold: float = Field(default=0.5, gt=0, lt=1)
    steps: list[float] | None = Field(default=None, max_length=50)
    interval: Duration | None = None
    shadow: Duration | None = None
    shadow_share: float | None = Field(default=None, gt=0, le=1)
    approve_before: list[float] | None = Field(default=None, max_length=50)
    reason: str = Field(default="", max_length=2_000)

    @field_validator("steps")
    @classmethod
    def _steps(cls, value: list[float] | None) -> list[float] | None:
        return None if value is None else check_steps(value)

    @field_validator("interval", "shadow")
    @classmethod
    def _short(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value > timedelta(days=30):
            raise ValueError("at most 30d")
        return value

    @model_validator(mode="after")
    def _one_model(self) -> ReleaseCreate:
        if (self.artifact is None) == (self.endpoint is None):
            raise ValueError(
                "give exactly one of artifact (model file or module:callable) or endpoint"
            )
        return self


class ReleaseAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2_000)


class ReleaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    service: str
    version: str
    stable_version: str | None
    backend: str
    state: str
    step: int
    steps: list[float]
    interval_seconds: float
    shadow_seconds: float
    shadow_share: float
    approve_before: list[float]
    approved: list[int]
    paused: bool
    abort_requested_by: str | None
    state_since: datetime
    judgement: dict[str, Any]
    judgements: list[dict[str, Any]]
    incident_id: str | None
    rollback_id: int | None
    actor: str
    reason: str
    created_at: datetime
    finished_at: datetime | None
