"""Classification: an alert's metrics and stated severity → a severity, with the reasons.

Pure functions over plain values; the policy is the playbook's ``classification`` section.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from warroom.playbook.schema import (
    SEVERITIES,
    Classification,
    Condition,
    Rule,
    Severity,
    most_severe,
)

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class Verdict:
    severity: Severity
    reasons: tuple[str, ...]


def _num(value: float) -> str:
    # 12 significant digits: 0.5000001 stays distinguishable from 0.5 at a boundary, while
    # float noise such as 0.1 + 0.2 still reads 0.3.
    return f"{value:.12g}"


def _holds(condition: Condition, metrics: Mapping[str, float]) -> str | None:
    """A description of the condition when it holds, else None (missing metric: false)."""
    value = metrics.get(condition.metric)
    if value is None or not OPS[condition.op](value, condition.value):
        return None
    return f"{condition.metric} {_num(value)} {condition.op} {_num(condition.value)}"


def match_rule(rule: Rule, metrics: Mapping[str, float]) -> str | None:
    """The reason a rule matches these metrics, or None."""
    held = [_holds(c, metrics) for c in rule.conditions]
    hits = [h for h in held if h]
    if not hits or (rule.match == "all" and len(hits) != len(held)):
        return None
    return f"rule {rule.name}: {' and '.join(hits) if rule.match == 'all' else hits[0]}"


def map_source_severity(source: str, value: str | None, policy: Classification) -> Severity | None:
    """The alert's own severity as P0..P4, or None when absent or unknown."""
    if not value:
        return None
    text = value.strip()
    if text.upper() in SEVERITIES:
        return text.upper()  # type: ignore[return-value]
    return policy.source_severity.get(source.lower(), {}).get(text.lower())


def _by_rules(metrics: Mapping[str, float], policy: Classification) -> Verdict | None:
    for rule in policy.rules:
        reason = match_rule(rule, metrics)
        if reason:
            return Verdict(rule.severity, (reason,))
    return None


def _by_impact(metrics: Mapping[str, float], policy: Classification) -> Verdict | None:
    pct = metrics.get(policy.impact_metric)
    if pct is None:
        return None
    for band in policy.impact_matrix:
        if band.contains(pct):
            bound = f"{'>=' if band.inclusive else '>'} {_num(band.min_affected_pct)}"
            reason = f"impact: {policy.impact_metric} {_num(pct)} {bound} → {band.severity}"
            return Verdict(band.severity, (reason,))
    return None


def classify(
    *,
    metrics: Mapping[str, float],
    source: str,
    source_severity: str | None,
    policy: Classification,
) -> Verdict:
    """Decide the severity of one alert under the playbook's classification policy."""
    found = [v for v in (_by_rules(metrics, policy), _by_impact(metrics, policy)) if v]
    stated = map_source_severity(source, source_severity, policy)
    if stated is not None and policy.explicit_severity != "override":
        own = Verdict(stated, (f"source severity {source_severity!r} ({source}) → {stated}",))
        if policy.explicit_severity == "honour":
            return own
        found.append(own)
    if not found:
        default = policy.default_severity
        return Verdict(default, (f"no rule matched → default {default}",))
    worst = most_severe(*(v.severity for v in found))
    reasons = tuple(r for v in found if v.severity == worst for r in v.reasons)
    return Verdict(worst, reasons)
