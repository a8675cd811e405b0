"""The playbook schema: a team's incident policy as data.

Every model forbids unknown keys, so a typo is refused with its key path instead of being
silently ignored. Later features add sections to ``Playbook``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from warroom.playbook.chat import ChatPolicy
from warroom.playbook.detection import DetectionPolicy
from warroom.playbook.durations import Duration
from warroom.playbook.guide import RunbookPolicy
from warroom.playbook.oncall import ChannelConfig, Oncall
from warroom.playbook.readiness import ReadinessPolicy
from warroom.playbook.release import ReleasePolicy
from warroom.playbook.tasks import Checklist, unique_names
from warroom.playbook.terms import SEVERITIES, Severity


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
    """Conditions → severity. With ``for``, the conditions must hold that long first (the ML
    platform runbook's
    declaration criteria: "error rate > 5% for > 5 min"), so a short blip opens nothing."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1)
    severity: Severity
    match: Literal["any", "all"] = "any"
    conditions: list[Condition] = Field(min_length=1)
    for_: Duration | None = Field(
        default=None, alias="for", description="how long the conditions must hold first"
    )


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

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, value: list[Rule]) -> list[Rule]:
        # Verdict reasons cite rules by name, so two rules may not share one.
        names = [r.name for r in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"rule names must be unique; repeated: {', '.join(twice)}")
        return value

    @field_validator("source_severity")
    @classmethod
    def _lowercase(cls, value: dict[str, dict[str, Severity]]) -> dict[str, dict[str, Severity]]:
        # Matching is case-insensitive on both the source name and its severity string.
        return {
            src.lower(): {k.strip().lower(): v for k, v in table.items()}
            for src, table in value.items()
        }

    @field_validator("impact_matrix")
    @classmethod
    def _descending(cls, value: list[ImpactBand]) -> list[ImpactBand]:
        # The first band that contains the value wins, so an ascending list would put
        # everything in its lowest band; refuse it rather than guess the intent.
        bounds = [b.min_affected_pct for b in value]
        if bounds != sorted(bounds, reverse=True):
            raise ValueError(
                "list bands from the highest min_affected_pct down (first match wins), "
                f"got {', '.join(f'{b:g}' for b in bounds)}"
            )
        return value


def _families() -> dict[str, list[str]]:
    # One fault on one version shows under several names as it worsens or changes: errors
    # become an outage, a slow dependency also fails requests, wrong answers show as drift
    # and as an accuracy drop. A version is one deploy: whatever its detectors report about
    # it is one incident, raised to the worst severity seen.
    return {
        "version-fault": [
            "ServiceDown",
            "ModelNotLoaded",
            "HighErrorRate",
            "HighLatency",
            "DriftCritical",
            "HighPredictionErrorRate",
            "DriftDetected",
        ],
    }


class Grouping(Strict):
    """Alerts with the same values of ``labels`` join one open incident. In the key, an
    alert named in a family counts as its family: a ServiceDown after a HighErrorRate on the
    same service and version joins (and raises) the same incident."""

    labels: list[str] = Field(
        default_factory=lambda: ["service", "version", "alertname"], min_length=1
    )
    window: Duration = Field(default="1h", validate_default=True)
    families: dict[str, list[str]] = Field(
        default_factory=_families, description="alert names that are one fault, worst first"
    )

    @field_validator("families")
    @classmethod
    def _one_family_each(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        names = [n for members in value.values() for n in members]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"an alert belongs to one family at most; repeated: {twice}")
        return value

    def family_of(self, name: str) -> str:
        """The family an alert name belongs to, else the name itself."""
        return next((f for f, members in self.families.items() if name in members), name)


class Criterion(Strict):
    metric: str = Field(min_length=1)
    op: Literal["<", "<=", ">", ">="]
    value: float


def _seed_criteria() -> list[Criterion]:
    # Protocol 25's verify_rollback_success: error_rate < 0.05, latency_p95 < 200 ms,
    # availability > 0.99.
    return [
        Criterion(metric="error_rate", op="<", value=0.05),
        Criterion(metric="latency_p95_ms", op="<", value=200),
        Criterion(metric="availability", op=">", value=0.99),
    ]


def _promql() -> dict[str, str]:
    sel = 'service="$service",version="$version"'
    errors = f"(sum(rate(warroom_model_errors_total{{{sel}}}[1m])) or vector(0))"
    requests = f"sum(rate(warroom_model_requests_total{{{sel}}}[1m]))"
    return {
        "requests": f"sum(increase(warroom_model_requests_total{{{sel}}}[1m]))",
        "error_rate": f"{errors} / {requests}",
        "availability": f"1 - {errors} / {requests}",
        "latency_p95_ms": "1000 * histogram_quantile(0.95, sum by (le) "
        f"(rate(warroom_model_latency_seconds_bucket{{{sel}}}[1m])))",
    }


class Verification(Strict):
    """How a rollback's target is judged after the switch: its error rate against its own
    recent baseline (one-sided test at ``alpha``, a rise above ``tolerance`` fails), or
    against the criteria when it has no baseline; ``min_requests`` needed, awaited for up to
    ``max_wait`` after ``window``, else the outcome is inconclusive (never an escalation)."""

    source: Literal["gateway", "prometheus"] = "gateway"
    window: Duration = Field(default="10s", validate_default=True)
    min_requests: int = Field(default=50, ge=1)
    max_wait: Duration = Field(default="60s", validate_default=True)
    baseline: Duration = Field(default="1h", validate_default=True)
    alpha: float = Field(default=0.001, gt=0, lt=0.5)
    tolerance: float = Field(default=0.02, ge=0, lt=1)
    criteria: list[Criterion] = Field(default_factory=_seed_criteria)
    prometheus_url: str | None = None
    queries: dict[str, str] = Field(default_factory=_promql)


AutoMode = Literal["auto", "recent_deploy", "approval", "never"]


def _auto_modes() -> dict[Severity, AutoMode]:
    return {"P0": "auto", "P1": "recent_deploy"}


class AutoRollback(Strict):
    enabled: bool = True
    # Protocol 25's _should_auto_rollback: any of these on the incident's metrics.
    conditions: list[Condition] = Field(
        default_factory=lambda: [
            Condition(metric="error_rate", op=">", value=0.5),
            Condition(metric="availability", op="<", value=0.5),
            Condition(metric="accuracy_drop", op=">", value=0.3),
        ]
    )
    # What a matching incident of each severity does: roll back, only after a recent deploy
    # of the service (the ML platform runbook: "what changed recently?"), wait for a human, or
    # nothing.
    by_severity: dict[Severity, AutoMode] = Field(default_factory=_auto_modes)
    judge_on: Literal["bound", "value"] = Field(
        default="bound",
        description="bound: a condition holds when the metric's confidence bound is past it "
        "(metric_lower_bound for >, metric_upper_bound for <, where the alert carries one)",
    )
    recent_deploy_within: Duration = Field(default="6h", validate_default=True)
    cooldown: Duration = Field(default="30m", validate_default=True)
    max_per_hour: int = Field(default=3, ge=1)


class RollbackPolicy(Strict):
    stable_after: Duration = Field(default="24h", validate_default=True)
    timeout: Duration = Field(default="120s", validate_default=True)
    environment: str = "production"
    verification: Verification = Field(default_factory=Verification)
    auto: AutoRollback = Field(default_factory=AutoRollback)
    stability_window: Duration | None = Field(
        default="30m",
        validate_default=True,
        description="after a verified rollback, resolve the incident once this long passed "
        "with no alert firing again (monitor for 30 minutes); null: people resolve",
    )


def _postmortem_templates() -> dict[Severity, str]:
    # Protocol 25's full template by default; the AI photo detector playbook: "P3 incidents should
    # use a simplified
    # version" (its shorter template), and P4 asks for no more than P3.
    return {"P0": "full", "P1": "full", "P2": "full", "P3": "short", "P4": "short"}


def _postmortem_due() -> dict[Severity, timedelta | None]:
    # Protocol 25: within 24 h of resolution; the AI photo detector playbook: within 48 h for P1/P2.
    # Combined: 24 h
    # for P0/P1, 48 h for P2, none for P3/P4.
    hours = {"P0": 24, "P1": 24, "P2": 48}
    return {s: timedelta(hours=hours[s]) if s in hours else None for s in SEVERITIES}


class PostmortemPolicy(Strict):
    template_by_severity: dict[Severity, str] = Field(
        default_factory=_postmortem_templates,
        description="full, short, or the name of a team template <templates_dir>/<name>.md.j2",
    )
    due_after: dict[Severity, Duration | None] = Field(
        default_factory=_postmortem_due,
        description="postmortem due this long after resolution; null: no due date",
    )
    templates_dir: str | None = Field(
        default=None, description="team templates; absolute or relative to the playbook file"
    )
    action_due_after: Duration = Field(
        default="7d", validate_default=True, description="default due date of an action item"
    )


class DrillTargets(Strict):
    """Stage targets a drill is judged by that the playbook has nowhere else; acknowledgement,
    rollback and recovery use the severity's response time, the rollback timeout and the
    severity's resolution target."""

    detection: Duration = Field(default="5m", validate_default=True, description="Protocol 25")
    page: Duration = Field(default="1m", validate_default=True, description="detection → page")


class DrillPolicy(Strict):
    targets: DrillTargets = Field(default_factory=DrillTargets)
    fault_ttl: Duration = Field(
        default="15m",
        validate_default=True,
        description="an injected fault clears itself after this long (a crashed drill)",
    )


class Playbook(Strict):
    version: Literal[1] = 1
    name: str = "default"
    severity_levels: dict[Severity, SeverityLevel]
    classification: Classification
    grouping: Grouping = Field(default_factory=Grouping)
    auto_resolve: bool = Field(
        default=False, description="resolve an incident when all its alerts resolve"
    )
    rollback: RollbackPolicy = Field(default_factory=RollbackPolicy)
    postmortem: PostmortemPolicy = Field(default_factory=PostmortemPolicy)
    detection: DetectionPolicy = Field(default_factory=DetectionPolicy)
    release: ReleasePolicy = Field(default_factory=ReleasePolicy)
    oncall: Oncall = Field(default_factory=Oncall)
    channels: list[ChannelConfig] = Field(default_factory=list)
    runbooks: RunbookPolicy = Field(default_factory=RunbookPolicy)
    checklists: list[Checklist] = Field(
        default_factory=list, description="tasks an incident gets in each phase"
    )
    readiness: ReadinessPolicy = Field(default_factory=ReadinessPolicy)
    drills: DrillPolicy = Field(default_factory=DrillPolicy)
    chat: ChatPolicy | None = Field(default=None, description="a room per incident (Slack)")

    @field_validator("checklists")
    @classmethod
    def _unique_checklists(cls, value: list[Checklist]) -> list[Checklist]:
        return unique_names(value)

    @model_validator(mode="after")
    def _contacts_use_known_channels(self) -> Playbook:
        known = {c.name for c in self.channels}
        contacts = [(p.name, c) for p in self.oncall.people for c in p.contacts] + [
            (t.name, c) for t in self.oncall.teams for c in t.contacts()
        ]
        unknown = [
            f"{who}: unknown channel {c.channel!r}" for who, c in contacts if c.channel not in known
        ]
        if unknown:  # a "reference" error, see Oncall._references
            raise PydanticCustomError("reference", "{problems}", {"problems": "; ".join(unknown)})
        return self

    @field_validator("severity_levels")
    @classmethod
    def _all_levels(cls, value: dict[Severity, SeverityLevel]) -> dict[Severity, SeverityLevel]:
        missing = [s for s in SEVERITIES if s not in value]
        if missing:
            raise ValueError(f"every level P0..P4 must be defined; missing {', '.join(missing)}")
        return {s: value[s] for s in SEVERITIES}
