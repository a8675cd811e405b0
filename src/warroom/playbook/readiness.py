"""Playbook section ``readiness:``: what ``warroom readiness`` holds the setup to."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from warroom.playbook.durations import Duration


class ReadinessPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    coverage_horizon: Duration = Field(
        default="14d",
        validate_default=True,
        description="every team's on-call schedules must cover this far ahead without a gap",
    )
    drill_max_age: Duration = Field(
        default="35d",
        validate_default=True,
        description="the last drill must be this recent (the ML platform runbook: monthly drills)",
    )
