"""What a playbook and a runbook's front-matter may declare: diagnostic steps and runbooks.

Steps are data: a kind and its target, never code. ``shell`` steps run a command on the
worker's machine, so only the playbook file (written by an admin) may declare them; a runbook
or an API request that tries is refused.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.playbook.durations import Duration

STEP_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
SHELL_REFUSED = (
    "shell steps may only be declared by an admin in the playbook file "
    "(runbooks.diagnostics), never in a runbook or an API request"
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Threshold(Strict):
    """A step fails when an observed value satisfies ``<value> op <threshold>``."""

    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: float


class StepBase(Strict):
    name: str = Field(pattern=STEP_NAME, max_length=100)
    title: str = ""
    timeout: Duration | None = Field(default=None, description="default: runbooks.timeout")
    max_output_bytes: int | None = Field(
        default=None, ge=100, description="default: runbooks.max_output_bytes"
    )


class HttpStep(StepBase):
    kind: Literal["http"]
    url: str = Field(
        pattern=r"^(https?://|\$)", description="may use $service, $alertname, labels, variables"
    )
    method: Literal["GET", "HEAD"] = "GET"
    expect_status: list[int] = Field(default_factory=lambda: [200], min_length=1)
    max_latency: Duration | None = None
    body_contains: str | None = None
    body_regex: str | None = None

    @field_validator("body_regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"expected a regular expression: {exc}") from None
        return value


class PromqlStep(StepBase):
    kind: Literal["promql"]
    query: str = Field(min_length=1)
    prometheus_url: str | None = Field(default=None, description="default: runbooks.prometheus_url")
    fail_if: Threshold | None = Field(default=None, description="on any series' value")


class SqlStep(StepBase):
    kind: Literal["sql"]
    database: str = Field(min_length=1, description="a name under runbooks.databases")
    query: str = "SELECT 1"
    fail_if: Threshold | None = Field(default=None, description="on the first row's first column")


class RecentChangesStep(StepBase):
    kind: Literal["recent_changes"]
    hours: float = Field(default=24, gt=0, le=24 * 90)
    service: str | None = Field(default=None, description="default: the incident's service")
    repository: str | None = Field(default=None, description="default: runbooks.repository")


class ShellStep(StepBase):
    kind: Literal["shell"]
    command: str = Field(min_length=1, description="run with /bin/sh -c; values are quoted")


Step = Annotated[
    HttpStep | PromqlStep | SqlStep | RecentChangesStep | ShellStep, Field(discriminator="kind")
]


class StepRef(Strict):
    """A step declared in the playbook, named in a runbook (written there as a bare name)."""

    kind: Literal["ref"]
    name: str = Field(pattern=STEP_NAME, max_length=100)


RunbookStep = Annotated[
    HttpStep | PromqlStep | SqlStep | RecentChangesStep | StepRef, Field(discriminator="kind")
]


def _unique_steps(steps: list[Any]) -> None:
    names = [s.name for s in steps]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"step names must be unique; repeated: {', '.join(twice)}")


def _no_shell(value: Any) -> Any:
    """Refuse shell steps; a bare name becomes a reference to a playbook step."""
    if not isinstance(value, list):
        return value
    if any(isinstance(item, dict) and item.get("kind") == "shell" for item in value):
        raise ValueError(SHELL_REFUSED)
    return [{"kind": "ref", "name": item} if isinstance(item, str) else item for item in value]


class RunbookPolicy(Strict):
    """The playbook's ``runbooks`` section: where runbooks live and how steps run."""

    dir: str | None = Field(
        default=None, description="runbook folder, relative to the playbook file; null: shipped"
    )
    run_on_open: bool = Field(default=True, description="run the runbook's steps on opening")
    timeout: Duration = Field(default="10s", validate_default=True)
    max_output_bytes: int = Field(default=4096, ge=100, le=1024 * 1024)
    prometheus_url: str | None = None
    databases: dict[str, str] = Field(
        default_factory=dict, description="name -> SQLAlchemy URL; ${ENV_VAR} is expanded"
    )
    repository: str | None = Field(default=None, description="git repository for recent_changes")
    variables: dict[str, str] = Field(
        default_factory=dict, description="values for $name in step URLs, queries and commands"
    )
    diagnostics: list[Step] = Field(default_factory=list)

    @field_validator("diagnostics")
    @classmethod
    def _unique(cls, value: list[Step]) -> list[Step]:
        _unique_steps(value)
        return value

    def step(self, name: str) -> Step | None:
        return next((s for s in self.diagnostics if s.name == name), None)


class Cause(Strict):
    cause: str = Field(min_length=1)
    action: str = Field(min_length=1)


class RunbookMeta(Strict):
    """A runbook file's front-matter (its Markdown body follows the closing ``---``)."""

    title: str = Field(min_length=1)
    alerts: list[str] = Field(default_factory=list, description="alertnames; empty: any")
    labels: dict[str, str] = Field(default_factory=dict, description="all must match exactly")
    summary: str = ""
    dashboard: str | None = None
    url: str | None = Field(default=None, description="where the team keeps this runbook")
    diagnostics: list[RunbookStep] = Field(
        default_factory=list, description="inline steps, or names declared in the playbook"
    )
    causes: list[Cause] = Field(default_factory=list)

    @field_validator("diagnostics", mode="before")
    @classmethod
    def _refuse_shell(cls, value: Any) -> Any:
        return _no_shell(value)

    @field_validator("diagnostics")
    @classmethod
    def _unique(cls, value: list[RunbookStep]) -> list[RunbookStep]:
        _unique_steps(value)
        return value


KINDS = ("http", "promql", "sql", "recent_changes", "shell", "ref")
