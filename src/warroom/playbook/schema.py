"""The playbook schema: a team's incident policy as data.

Every model forbids unknown keys, so a typo is refused with its key path instead of being
silently ignored. Later features add sections to ``Playbook``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.playbook.durations import Duration

Severity = Literal["P0", "P1", "P2", "P3", "P4"]
SEVERITIES: tuple[Severity, ...] = ("P0", "P1", "P2", "P3", "P4")


def severity_rank(severity: str) -> int:
    """0 for P0 (most severe) up to 4 for P4."""
    return SEVERITIES.index(severity)


def most_severe(*severities: str) -> Severity:
    return SEVERITIES[min(severity_rank(s) for s in severities)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeverityLevel(Strict):
    name: str
    description: str
    examples: list[str] = Field(default_factory=list)
    response_time: Duration = Field(description="acknowledgement deadline")
    response_time_text: str = ""
    escalation: str = ""
    communication: str = ""
    resolution_target: Duration | None = Field(default=None, description="MTTR target")
    update_every: Duration | None = Field(default=None, description="status update cadence")


class Condition(Strict):
    metric: str = Field(min_length=1)
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: float


class Rule(Strict):
    name: str = Field(min_length=1)
    severity: Severity
    match: Literal["any", "all"] = "any"
    conditions: list[Condition] = Field(min_length=1)


class ImpactBand(Strict):
    min_affected_pct: float = Field(ge=0, le=100, description="lower bound of the band")
    inclusive: bool = Field(default=True, description="False: strictly above the bound")
    severity: Severity

    def contains(self, pct: float) -> bool:
        return pct >= self.min_affected_pct if self.inclusive else pct > self.min_affected_pct


class Classification(Strict):
    rules: list[Rule] = Field(default_factory=list)
    default_severity: Severity = "P4"
    explicit_severity: Literal["highest", "honour", "override"] = "highest"
    source_severity: dict[str, dict[str, Severity]] = Field(default_factory=dict)
    impact_metric: str = "affected_users_pct"
    impact_matrix: list[ImpactBand] = Field(default_factory=list)

    @field_validator("source_severity")
    @classmethod
    def _lowercase(cls, value: dict[str, dict[str, Severity]]) -> dict[str, dict[str, Severity]]:
        return {src: {k.lower(): v for k, v in table.items()} for src, table in value.items()}


class Grouping(Strict):
    labels: list[str] = Field(default_factory=lambda: ["service", "alertname"], min_length=1)
    window: Duration = Field(default="1h", validate_default=True)


class Playbook(Strict):
    version: Literal[1] = 1
    name: str = "default"
    severity_levels: dict[Severity, SeverityLevel]
    classification: Classification
    grouping: Grouping = Field(default_factory=Grouping)
    auto_resolve: bool = Field(
        default=False, description="resolve an incident when all its alerts resolve"
    )

    @field_validator("severity_levels")
    @classmethod
    def _all_levels(cls, value: dict[Severity, SeverityLevel]) -> dict[Severity, SeverityLevel]:
        missing = [s for s in SEVERITIES if s not in value]
        if missing:
            raise ValueError(f"every level P0..P4 must be defined; missing {', '.join(missing)}")
        return {s: value[s] for s in SEVERITIES}
