"""Auto-rollback policy: pure decision over plain facts (Protocol 25's _should_auto_rollback)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.incidents.classify import OPS
from warroom.playbook.schema import AutoRollback, Condition


@dataclass(frozen=True)
class Facts:
    severity: str
    metrics: dict[str, float]
    last_deploy_at: datetime | None
    recent_auto_rollbacks: list[datetime]  # all services, newest first
    last_auto_rollback_of_service: datetime | None
    target: str | None
    target_refusal: str | None


@dataclass(frozen=True)
class Decision:
    action: str  # rollback | decline | await_approval
    reason: str


def decide(facts: Facts, policy: AutoRollback, *, now: datetime) -> Decision:
    """Roll back, decline (with the reason) or wait for a human."""
    if not policy.enabled:
        return Decision("decline", "auto-rollback is disabled in the playbook")
    mode = policy.by_severity.get(facts.severity, "never")  # type: ignore[call-overload]
    if mode == "never":
        return Decision("decline", f"playbook does not roll back {facts.severity} automatically")
    hits = [hit for c in policy.conditions if (hit := _holds(c, facts.metrics, policy.judge_on))]
    if not hits:
        return Decision("decline", "no auto-rollback condition holds")
    if mode == "recent_deploy":
        window = policy.recent_deploy_within
        if facts.last_deploy_at is None or now - facts.last_deploy_at > window:
            return Decision("decline", f"{hits[0]}, but no deploy in the last {window}")
    last = facts.last_auto_rollback_of_service
    if last is not None and now - last < policy.cooldown:
        return Decision("decline", f"cooldown: last automatic rollback at {last.isoformat()}")
    in_hour = [t for t in facts.recent_auto_rollbacks if now - t < timedelta(hours=1)]
    if len(in_hour) >= policy.max_per_hour:
        return Decision("decline", f"limit: {policy.max_per_hour} automatic rollbacks per hour")
    if facts.target is None:
        return Decision("decline", f"no safe target: {facts.target_refusal}")
    if mode == "approval":
        return Decision("await_approval", f"{hits[0]}: roll back to {facts.target} when approved")
    return Decision("rollback", f"{hits[0]}: rolling back to {facts.target}")


def _holds(c: Condition, metrics: dict[str, float], judge_on: str) -> str | None:
    """The condition as text when it holds. On ``bound``, a metric with a confidence bound is
    judged by it (the lower bound for ``>``, the upper for ``<``): one noisy window whose point
    estimate crosses the line does not roll back."""
    if c.metric not in metrics:
        return None
    bound = f"{c.metric}_{'lower' if c.op in ('>', '>=') else 'upper'}_bound"
    if judge_on == "bound" and bound in metrics:
        value = metrics[bound]
        text = f"{c.metric} {metrics[c.metric]:g} ({bound.split('_')[-2]} bound {value:g})"
    else:
        value, text = metrics[c.metric], f"{c.metric} {metrics[c.metric]:g}"
    return f"{text} {c.op} {c.value:g}" if OPS[c.op](value, c.value) else None
