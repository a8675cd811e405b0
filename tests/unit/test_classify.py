"""Protocol 25's IncidentClassifier, rule by rule, at and around every boundary."""

from __future__ import annotations

import pytest

from warroom.incidents.classify import Verdict, classify, map_source_severity
from warroom.playbook.loader import load_playbook
from warroom.playbook.schema import Classification

POLICY = load_playbook().classification
EPS = 1e-9


def sev(metrics: dict[str, float], source_severity: str | None = None, policy=POLICY) -> str:
    return classify(
        metrics=metrics, source="alertmanager", source_severity=source_severity, policy=policy
    ).severity


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        # P0: availability < 0.5 (strict)
        ({"availability": 0.5}, "P4"),
        ({"availability": 0.5 - EPS}, "P0"),
        ({"availability": 0.0}, "P0"),
        ({"availability": 0.99}, "P4"),
        # P0: error_rate > 0.5 (strict); exactly 0.5 still trips P1's > 0.1
        ({"error_rate": 0.5}, "P1"),
        ({"error_rate": 0.5 + EPS}, "P0"),
        # P1: accuracy_drop > 0.2
        ({"accuracy_drop": 0.2}, "P2"),
        ({"accuracy_drop": 0.2 + EPS}, "P1"),
        # P1: latency_increase_pct > 2.0
        ({"latency_increase_pct": 2.0}, "P2"),
        ({"latency_increase_pct": 2.0 + EPS}, "P1"),
        # P1: error_rate > 0.1
        ({"error_rate": 0.1}, "P2"),
        ({"error_rate": 0.1 + EPS}, "P1"),
        # P2: accuracy_drop > 0.1, latency_increase_pct > 0.5, error_rate > 0.05
        ({"accuracy_drop": 0.1}, "P3"),
        ({"accuracy_drop": 0.1 + EPS}, "P2"),
        ({"latency_increase_pct": 0.5}, "P4"),
        ({"latency_increase_pct": 0.5 + EPS}, "P2"),
        ({"error_rate": 0.05}, "P4"),
        ({"error_rate": 0.05 + EPS}, "P2"),
        # P3: accuracy_drop > 0.05
        ({"accuracy_drop": 0.05}, "P4"),
        ({"accuracy_drop": 0.05 + EPS}, "P3"),
        # P4: nothing matched
        ({}, "P4"),
        ({"unrelated": 99.0}, "P4"),
        # the AI photo detector playbook's drift severities
        ({"drift_score": 0.30}, "P3"),
        ({"drift_score": 0.30 + EPS}, "P2"),
        ({"drift_score": 0.15}, "P4"),
        ({"drift_score": 0.15 + EPS}, "P3"),
        # order: the first (most severe) matching rule wins
        ({"accuracy_drop": 0.06, "error_rate": 0.9}, "P0"),
        ({"latency_increase_pct": 0.6, "accuracy_drop": 0.25}, "P1"),
    ],
)
def test_seed_000_rules(metrics: dict[str, float], expected: str) -> None:
    assert sev(metrics) == expected


def test_reasons_name_the_rule_and_the_value() -> None:
    verdict = classify(
        metrics={"error_rate": 0.62}, source="generic", source_severity=None, policy=POLICY
    )
    assert verdict.reasons == ("rule p0-outage: error_rate 0.62 > 0.5",)
    default = classify(metrics={}, source="generic", source_severity=None, policy=POLICY)
    assert default.reasons == ("no rule matched → default P4",)


@pytest.mark.parametrize(
    ("source", "value", "expected"),
    [
        ("alertmanager", "critical", "P1"),
        ("alertmanager", "warning", "P3"),
        ("alertmanager", "INFO", "P4"),
        ("grafana", "critical", "P1"),
        ("pagerduty", "critical", "P1"),
        ("pagerduty", "error", "P2"),
        ("pagerduty", "warning", "P3"),
        ("pagerduty", "info", "P4"),
        ("generic", "p0", "P0"),
        ("grafana", "p1", "P1"),
        ("no-map-source", "P3", "P3"),
        ("Alertmanager", "Critical", "P1"),
        ("pagerduty", " P2 ", "P2"),
        ("alertmanager", "weird", None),
        ("unknown-source", "critical", None),
        ("alertmanager", None, None),
    ],
)
def test_source_severity_map(source: str, value: str | None, expected: str | None) -> None:
    assert map_source_severity(source, value, POLICY) == expected


def test_highest_mode_takes_the_most_severe() -> None:
    assert sev({}, "critical") == "P1"
    assert sev({"error_rate": 0.9}, "warning") == "P0"
    assert sev({"accuracy_drop": 0.06}, "critical") == "P1"


def test_honour_mode_lets_a_stated_severity_win() -> None:
    honour = POLICY.model_copy(update={"explicit_severity": "honour"})
    assert sev({"error_rate": 0.9}, "warning", honour) == "P3"
    assert sev({"error_rate": 0.9}, None, honour) == "P0"


def test_override_mode_ignores_a_stated_severity() -> None:
    override = POLICY.model_copy(update={"explicit_severity": "override"})
    assert sev({}, "P0", override) == "P4"
    assert sev({"error_rate": 0.2}, "P0", override) == "P1"


@pytest.mark.parametrize(
    ("pct", "expected"),
    [
        (100, "P0"),
        (75 + EPS, "P0"),
        (75, "P1"),
        (25, "P1"),
        (25 - EPS, "P2"),
        (5, "P2"),
        (5 - EPS, "P3"),
        (0, "P3"),
    ],
)
def test_seed_003_impact_matrix(pct: float, expected: str) -> None:
    assert sev({"affected_users_pct": pct}) == expected


def test_impact_and_rules_combine_to_the_worst() -> None:
    assert sev({"affected_users_pct": 10, "error_rate": 0.2}) == "P1"
    assert sev({"affected_users_pct": 80, "error_rate": 0.2}) == "P0"


def test_match_all_needs_every_condition() -> None:
    policy = Classification.model_validate(
        {
            "rules": [
                {
                    "name": "both",
                    "severity": "P1",
                    "match": "all",
                    "conditions": [
                        {"metric": "error_rate", "op": ">=", "value": 0.1},
                        {"metric": "latency_increase_pct", "op": ">=", "value": 1},
                    ],
                }
            ]
        }
    )
    assert sev({"error_rate": 0.1}, policy=policy) == "P4"
    assert sev({"error_rate": 0.1, "latency_increase_pct": 1}, policy=policy) == "P1"


def _policy(*rules: tuple[str, str, str, list[tuple[str, str, float]]]) -> Classification:
    return Classification.model_validate(
        {
            "rules": [
                {
                    "name": name,
                    "severity": severity,
                    "match": match,
                    "conditions": [{"metric": m, "op": o, "value": v} for m, o, v in conds],
                }
                for name, severity, match, conds in rules
            ]
        }
    )


def test_first_matching_rule_wins_even_when_a_later_one_is_more_severe() -> None:
    policy = _policy(
        ("minor-first", "P3", "any", [("error_rate", ">", 0.01)]),
        ("outage-second", "P0", "any", [("error_rate", ">", 0.5)]),
    )
    verdict = classify(
        metrics={"error_rate": 0.9}, source="generic", source_severity=None, policy=policy
    )
    assert verdict.severity == "P3"
    assert verdict.reasons == ("rule minor-first: error_rate 0.9 > 0.01",)


@pytest.mark.parametrize(
    ("op", "value", "matches"),
    [
        ("<", 0.2, False),
        ("<=", 0.2, True),
        (">", 0.2, False),
        (">=", 0.2, True),
        ("==", 0.2, True),
        ("!=", 0.2, False),
        ("!=", 0.3, True),
    ],
)
def test_every_operator(op: str, value: float, matches: bool) -> None:
    policy = _policy(("r", "P2", "any", [("m", op, value)]))
    assert sev({"m": 0.2}, policy=policy) == ("P2" if matches else "P4")


def test_reasons_keep_boundary_precision() -> None:
    verdict = classify(
        metrics={"error_rate": 0.5000001}, source="generic", source_severity=None, policy=POLICY
    )
    assert verdict.severity == "P0"
    assert verdict.reasons == ("rule p0-outage: error_rate 0.5000001 > 0.5",)


def test_highest_mode_keeps_every_reason_at_the_winning_severity() -> None:
    verdict = classify(
        metrics={"error_rate": 0.2, "affected_users_pct": 30},
        source="alertmanager",
        source_severity="critical",
        policy=POLICY,
    )
    assert verdict.severity == "P1"
    assert verdict.reasons == (
        "rule p1-severe-degradation: error_rate 0.2 > 0.1",
        "impact: affected_users_pct 30 >= 25 → P1",
        "source severity 'critical' (alertmanager) → P1",
    )


def test_a_less_severe_finding_is_not_a_reason() -> None:
    verdict = classify(
        metrics={"error_rate": 0.9}, source="alertmanager", source_severity="info", policy=POLICY
    )
    assert verdict.reasons == ("rule p0-outage: error_rate 0.9 > 0.5",)


def test_honour_mode_ignores_an_unknown_stated_severity() -> None:
    honour = POLICY.model_copy(update={"explicit_severity": "honour"})
    assert sev({"error_rate": 0.2}, "whatever", honour) == "P1"
    assert sev({}, "whatever", honour) == "P4"
    verdict = classify(
        metrics={"error_rate": 0.9}, source="pagerduty", source_severity="info", policy=honour
    )
    assert verdict.reasons == ("source severity 'info' (pagerduty) → P4",)


def test_override_mode_falls_back_to_the_default() -> None:
    override = POLICY.model_copy(update={"explicit_severity": "override", "default_severity": "P3"})
    verdict = classify(metrics={}, source="generic", source_severity="P0", policy=override)
    assert verdict == Verdict("P3", ("no rule matched → default P3",), by_default=True)


def test_impact_metric_is_configurable_and_optional() -> None:
    custom = POLICY.model_copy(update={"impact_metric": "users_affected"})
    assert sev({"users_affected": 90}, policy=custom) == "P0"
    assert sev({"affected_users_pct": 90}, policy=custom) == "P4"
