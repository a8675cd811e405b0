"""The playbook's ``release`` section: how a new model version is released (shadow traffic,
canary steps judged against the serving version, approval gates) unless the command or the
request says otherwise."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.playbook.durations import Duration


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def check_steps(steps: list[float]) -> list[float]:
    """Canary weights: increasing, each in (0, 100]."""
    if not steps:
        raise ValueError("give at least one canary step (a weight in percent)")
    if any(not 0 < s <= 100 for s in steps):
        raise ValueError(f"each step is a weight above 0 and at most 100, got {steps}")
    if any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
        raise ValueError(f"steps must increase, got {steps}")
    return steps


class ReleasePolicy(Strict):
    steps: list[float] = Field(
        default_factory=lambda: [10.0, 25.0, 50.0, 100.0],
        description="the candidate's share of traffic at each canary step (percent)",
    )
    interval: Duration = Field(
        default="5m", validate_default=True, description="how long each step lasts at least"
    )
    shadow: Duration = Field(
        default="0s", validate_default=True, description="shadow phase before the canary (0s: none)"
    )
    shadow_share: float = Field(
        default=0.25, gt=0, le=1, description="share of live requests mirrored to the candidate"
    )
    approve_before: list[float] = Field(
        default_factory=list, description="steps (weights) a person must approve before"
    )
    min_requests: int = Field(
        default=100, ge=10, description="requests each version needs before a step is judged"
    )
    max_error_increase: float = Field(
        default=0.01,
        ge=0,
        lt=1,
        description="the candidate fails when its error rate exceeds the stable one's by more "
        "than this (the difference's lower confidence bound)",
    )
    max_disagreement: float = Field(
        default=0.05, gt=0, lt=1, description="shadow: share of different decisions allowed"
    )
    max_probability_distance: float = Field(
        default=0.10,
        gt=0,
        lt=1,
        description="shadow: mean distance allowed between predicted probabilities",
    )
    inconclusive_limit: Duration = Field(
        default="15m",
        validate_default=True,
        description="how long a step may wait for enough samples after its interval",
    )
    on_inconclusive: Literal["fail", "hold"] = Field(
        default="hold",
        description="after that wait: abort the release, or hold it for a person's approval",
    )
    analysis_window: Duration = Field(
        default="5m",
        validate_default=True,
        description="kubernetes/mlflow/command services: the window judged after the switch",
    )

    @field_validator("steps")
    @classmethod
    def _steps(cls, value: list[float]) -> list[float]:
        return check_steps(value)
