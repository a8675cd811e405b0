"""Classification: an alert's metrics and stated severity → a severity, with the reasons.

Pure functions over plain values; the policy is the playbook's ``classification`` section.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.playbook.durations import format_duration
from warroom.playbook.schema import Classification, Condition, Rule
from warroom.playbook.terms import SEVERITIES, Severity, most_severe

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
    by_default: bool = False  # nothing matched: the playbook's default severity


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


def _by_rules(
    metrics: Mapping[str, float], policy: Classification, held: Mapping[str, timedelta]
) -> Verdict | None:
    for rule in policy.rules:
        reason = match_rule(rule, metrics)
        if not reason:
            continue
        if rule.for_ is not None:
            if held.get(rule.name, timedelta(0)) < rule.for_:
                continue  # still inside its "for": not yet a match
            reason += f" for {format_duration(held[rule.name])}"
        return Verdict(rule.severity, (reason,))
    return None


def track_holds(
    *,
    rules: list[Rule],
    metrics: Mapping[str, float],
    previous: Mapping[str, datetime],
    since: datetime,
) -> dict[str, datetime]:
    """When each rule with a ``for`` started holding: kept while it holds, ``since`` when it
    starts, dropped as soon as one observation breaks it (the hold must be unbroken)."""
    return {
        rule.name: previous.get(rule.name, since)
        for rule in rules
        if rule.for_ is not None and match_rule(rule, metrics)
    }


def held_for(holds: Mapping[str, datetime], now: datetime) -> dict[str, timedelta]:
    """How long each held rule has held at ``now``."""
    return {name: max(now - since, timedelta(0)) for name, since in holds.items()}


def pending_until(
    *, rules: list[Rule], holds: Mapping[str, datetime], now: datetime
) -> datetime | None:
    """The earliest instant a held rule's ``for`` elapses, if one is still running."""
    due = [
        holds[r.name] + r.for_
        for r in rules
        if r.for_ is not None and r.name in holds and holds[r.name] + r.for_ > now
    ]
    return min(due, default=None)


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
    held: Mapping[str, timedelta] | None = None,
) -> Verdict:
    """Decide the severity of one alert under the playbook's classification policy.

    ``held`` says how long each rule with a ``for`` has held (see :func:`track_holds`); such a
    rule matches only once it has held for its duration.
    """
    by_rules = _by_rules(metrics, policy, held or {})
    found = [v for v in (by_rules, _by_impact(metrics, policy)) if v]
    stated = map_source_severity(source, source_severity, policy)
    if stated is not None and policy.explicit_severity != "override":
        own = Verdict(stated, (f"source severity {source_severity!r} ({source}) → {stated}",))
        if policy.explicit_severity == "honour":
            return own
        found.append(own)
    if not found:
        default = policy.default_severity
        return Verdict(default, (f"no rule matched → default {default}",), by_default=True)
    worst = most_severe(*(v.severity for v in found))
    reasons = tuple(r for v in found if v.severity == worst for r in v.reasons)
    return Verdict(worst, reasons)
