"""Diagnostic results, and the API's runbook and diagnose schemas."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.playbook.guide import STEP_NAME
from warroom.storage.base import Base

DEFINITION_REFUSED = (
    "diagnostic definitions cannot be submitted through the API: name steps declared in the "
    "incident's runbook or in the playbook (GET /api/v1/incidents/{id}/runbook lists them); "
    "an admin declares new ones in the playbook file"
)


class DiagnosticResult(Base):
    __tablename__ = "diagnostic_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    runbook: Mapped[str | None] = mapped_column(String(100))
    step: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    output: Mapped[str] = mapped_column(Text)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_seconds: Mapped[float] = mapped_column(Float)
    trigger: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class DiagnosticResultRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: str
    runbook: str | None
    step: str
    kind: str
    status: str
    summary: str
    output: str
    truncated: bool
    duration_seconds: float
    trigger: str
    actor: str
    at: datetime


class CauseRead(BaseModel):
    cause: str
    action: str


class StepRead(BaseModel):
    name: str
    kind: str
    title: str


class RunbookRead(BaseModel):
    name: str
    title: str
    url: str
    dashboard: str | None
    summary: str
    alerts: list[str]
    labels: dict[str, str]
    steps: list[StepRead]
    causes: list[CauseRead]


class RunbookDetail(RunbookRead):
    markdown: str


class IncidentRunbook(BaseModel):
    incident_id: str
    runbook: RunbookDetail | None
    available_steps: list[StepRead] = Field(description="what `diagnose` may name")


class DiagnoseRequest(BaseModel):
    """Names of declared steps only; empty: every step of the incident's runbook."""

    model_config = ConfigDict(extra="forbid")

    steps: list[str] = Field(default_factory=list, max_length=50)

    @model_validator(mode="before")
    @classmethod
    def _names_only(cls, data: Any) -> Any:
        # Refuse anything that looks like a step definition with the reason, not merely as
        # an unknown key: the API must never run what a caller describes.
        items = data.get("steps") if isinstance(data, dict) else None
        keys = set(data) - {"steps"} if isinstance(data, dict) else set()
        if keys or (isinstance(items, list) and any(not isinstance(i, str) for i in items)):
            raise ValueError(DEFINITION_REFUSED)
        if not isinstance(items, list):
            return data  # absent, or not a list: the field's own type check names it
        for item in items:
            if not re.match(STEP_NAME, item):
                raise ValueError(f"expected a step name, got {item!r}")
        return data
