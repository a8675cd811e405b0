"""Playbook section ``checklists:``: what responders must do in each phase of an incident.

A checklist applies to one phase (the incident status that starts it) and, optionally, only to
some severities. When an incident enters the phase, each item becomes a task on the incident;
open *required* tasks block closing it. ``closed`` is not a phase for checklists: a closure
checklist belongs to ``resolved``, so it is done before the incident can close.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.playbook.terms import Severity as SeverityStr

Phase = Literal[
    "triggered",
    "acknowledged",
    "investigating",
    "identified",
    "mitigating",
    "monitoring",
    "resolved",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChecklistItem(Strict):
    title: str = Field(min_length=1, max_length=300)
    required: bool = Field(default=True, description="an open required task blocks closing")


class Checklist(Strict):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    phase: Phase = Field(description="the incident status that adds these tasks")
    severities: list[SeverityStr] | None = Field(
        default=None, description="only for these severities (default: all)"
    )
    source: str = Field(default="", description="where the checklist comes from")
    items: list[ChecklistItem] = Field(min_length=1)

    @field_validator("items", mode="before")
    @classmethod
    def _plain_titles(cls, value: Any) -> Any:
        # A bare string is a required item: most checklists are just a list of titles.
        if isinstance(value, list):
            return [{"title": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("items")
    @classmethod
    def _unique_titles(cls, value: list[ChecklistItem]) -> list[ChecklistItem]:
        # A task is identified by (checklist, title): a repeated title would be one task.
        titles = [i.title for i in value]
        twice = sorted({t for t in titles if titles.count(t) > 1})
        if twice:
            raise ValueError(f"item titles must be unique in a checklist; repeated: {twice}")
        return value

    def applies_to(self, severity: str) -> bool:
        return self.severities is None or severity in self.severities


def unique_names(checklists: list[Checklist]) -> list[Checklist]:
    """Refuse two checklists with one name (tasks remember the checklist by name)."""
    names = [c.name for c in checklists]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"checklist names must be unique; repeated: {', '.join(twice)}")
    return checklists
