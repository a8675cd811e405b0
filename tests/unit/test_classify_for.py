"""Rules with a ``for`` duration (the ML platform runbook's declaration criteria), as pure
decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.errors import PlaybookError
from warroom.incidents.classify import classify, held_for, pending_until, track_holds
from warroom.playbook.loader import default_playbook_text, dump_playbook, parse_playbook
from warroom.playbook.schema import Classification, Rule

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

# The ML platform runbook: "Error rate >5% for >5 minutes", "Performance degradation >50% for >10
# minutes".
POLICY = Classification.model_validate(
    {
        "rules": [
            {
                "name": "declare-errors",
                "severity": "P2",
                "for": "5m",
                "conditions": [{"metric": "error_rate", "op": ">", "value": 0.05}],
            },
            {
                "name": "declare-slow",
                "severity": "P2",
                "for": "10m",
                "conditions": [{"metric": "latency_increase_pct", "op": ">", "value": 0.5}],
            },
            {
                "name": "outage",
                "severity": "P0",
                "conditions": [{"metric": "error_rate", "op": ">", "value": 0.5}],
            },
        ]
    }
)


def verdict(metrics: dict[str, float], held: dict[str, timedelta]) -> tuple[str, bool]:
    v = classify(metrics=metrics, source="generic", source_severity=None, policy=POLICY, held=held)
    return v.severity, v.by_default


def test_a_rule_with_for_matches_only_once_it_has_held_long_enough() -> None:
    metrics = {"error_rate": 0.2}
    assert verdict(metrics, {}) == ("P4", True)
    assert verdict(metrics, {"declare-errors": timedelta(minutes=4, seconds=59)}) == ("P4", True)
    assert verdict(metrics, {"declare-errors": timedelta(minutes=5)}) == ("P2", False)


def test_the_reason_says_how_long_it_held() -> None:
    v = classify(
        metrics={"error_rate": 0.2},
        source="generic",
        source_severity=None,
        policy=POLICY,
        held={"declare-errors": timedelta(minutes=6)},
    )
    assert v.reasons == ("rule declare-errors: error_rate 0.2 > 0.05 for 6m",)


def test_a_rule_without_for_matches_at_once() -> None:
    assert verdict({"error_rate": 0.6}, {}) == ("P0", False)


def test_holds_start_keep_and_break() -> None:
    rules = POLICY.rules
    first = track_holds(rules=rules, metrics={"error_rate": 0.2}, previous={}, since=T0)
    assert first == {"declare-errors": T0}
    later = T0 + timedelta(minutes=2)
    kept = track_holds(
        rules=rules,
        metrics={"error_rate": 0.3, "latency_increase_pct": 0.8},
        previous=first,
        since=later,
    )
    assert kept == {"declare-errors": T0, "declare-slow": later}
    broken = track_holds(
        rules=rules,
        metrics={"error_rate": 0.01, "latency_increase_pct": 0.8},
        previous=kept,
        since=later + timedelta(minutes=1),
    )
    assert broken == {"declare-slow": later}  # one good observation restarts the clock
    # Rules without "for" are never tracked.
    assert "outage" not in track_holds(
        rules=rules, metrics={"error_rate": 0.9}, previous={}, since=T0
    )


def test_pending_until_is_the_earliest_running_deadline() -> None:
    holds = {"declare-errors": T0, "declare-slow": T0 + timedelta(minutes=1)}
    rules = POLICY.rules
    assert pending_until(rules=rules, holds=holds, now=T0) == T0 + timedelta(minutes=5)
    after = T0 + timedelta(minutes=5)
    assert pending_until(rules=rules, holds=holds, now=after) == T0 + timedelta(minutes=11)
    assert pending_until(rules=rules, holds=holds, now=T0 + timedelta(minutes=11)) is None
    assert held_for(holds, after) == {
        "declare-errors": timedelta(minutes=5),
        "declare-slow": timedelta(minutes=4),
    }


def test_for_in_yaml_round_trips_and_a_bad_one_is_refused() -> None:
    text = dump_playbook(parse_playbook(_with_rule("for: 5m"), source="p.yaml"))
    assert "for: 5m" in text
    with pytest.raises(PlaybookError) as error:
        parse_playbook(_with_rule("for: soon"), source="p.yaml")
    message = str(error.value)
    assert "p.yaml" in message and "classification.rules[0].for:" in message
    assert "duration" in message
    assert Rule.model_validate(
        {"name": "x", "severity": "P1", "for_": "1m", "conditions": [POLICY.rules[0].conditions[0]]}
    ).for_ == timedelta(minutes=1)


def _with_rule(for_line: str) -> str:
    text = default_playbook_text()
    marker = "  rules:\n"
    assert marker in text
    rule = (
        "    - name: declare-errors\n"
        "      severity: P2\n"
        f"      {for_line}\n"
        "      conditions:\n"
        "        - {metric: error_rate, op: '>', value: 0.05}\n"
    )
    return text.replace(marker, marker + rule, 1)
