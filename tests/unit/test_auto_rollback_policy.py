from datetime import UTC, datetime, timedelta

import pytest

from warroom.deploy.policy import Facts, decide
from warroom.playbook.loader import load_playbook

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
POLICY = load_playbook().rollback.auto


def facts(**kw: object) -> Facts:
    base: dict[str, object] = {
        "severity": "P0",
        "metrics": {"error_rate": 0.6},
        "last_deploy_at": NOW - timedelta(minutes=10),
        "recent_auto_rollbacks": [],
        "last_auto_rollback_of_service": None,
        "target": "v1",
        "target_refusal": None,
    }
    return Facts(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "action", "reason"),
    [
        ({}, "rollback", "error_rate 0.6 > 0.5: rolling back to v1"),
        ({"metrics": {"availability": 0.4}}, "rollback", "availability 0.4 < 0.5"),
        ({"metrics": {"accuracy_drop": 0.31}}, "rollback", "accuracy_drop 0.31 > 0.3"),
        ({"metrics": {"error_rate": 0.5}}, "decline", "no auto-rollback condition holds"),
        ({"metrics": {"accuracy_drop": 0.3}}, "decline", "no auto-rollback condition holds"),
        ({"severity": "P2"}, "decline", "does not roll back P2 automatically"),
        ({"severity": "P1"}, "rollback", "rolling back to v1"),
        (
            {"severity": "P1", "last_deploy_at": NOW - timedelta(hours=7)},
            "decline",
            "no deploy in the last 6:00:00",
        ),
        (
            {"last_auto_rollback_of_service": NOW - timedelta(minutes=29)},
            "decline",
            "cooldown",
        ),
        (
            {"last_auto_rollback_of_service": NOW - timedelta(minutes=31)},
            "rollback",
            "rolling back",
        ),
        (
            {"recent_auto_rollbacks": [NOW - timedelta(minutes=m) for m in (5, 20, 50)]},
            "decline",
            "3 automatic rollbacks per hour",
        ),
        (
            {"recent_auto_rollbacks": [NOW - timedelta(minutes=m) for m in (5, 20, 61)]},
            "rollback",
            "rolling back",
        ),
        (
            {"target": None, "target_refusal": "v1: was itself rolled back from"},
            "decline",
            "no safe target: v1: was itself rolled back from",
        ),
    ],
)
def test_guards(kw: dict, action: str, reason: str) -> None:
    decision = decide(facts(**kw), POLICY, now=NOW)
    assert decision.action == action
    assert reason in decision.reason


def test_approval_mode_waits_for_a_human() -> None:
    policy = POLICY.model_copy(update={"by_severity": {"P0": "approval"}})
    decision = decide(facts(), policy, now=NOW)
    assert decision.action == "await_approval" and "when approved" in decision.reason


def test_disabled() -> None:
    policy = POLICY.model_copy(update={"enabled": False})
    assert decide(facts(), policy, now=NOW).action == "decline"


def test_one_noisy_window_past_the_line_does_not_roll_back() -> None:
    """A drop of 0.22 read as 0.3008 in one window: its lower bound is far below 0.3."""
    noisy = {"accuracy_drop": 0.3008, "accuracy_drop_lower_bound": 0.12}
    decision = decide(facts(metrics=noisy), POLICY, now=NOW)
    assert decision.action == "decline" and "no auto-rollback condition" in decision.reason
    sure = {"accuracy_drop": 0.45, "accuracy_drop_lower_bound": 0.34}
    decision = decide(facts(metrics=sure), POLICY, now=NOW)
    assert decision.action == "rollback"
    assert "accuracy_drop 0.45 (lower bound 0.34) > 0.3" in decision.reason
    outage = {"availability": 0.45, "availability_upper_bound": 0.6}
    assert decide(facts(metrics=outage), POLICY, now=NOW).action == "decline"
    point = POLICY.model_copy(update={"judge_on": "value"})
    assert decide(facts(metrics=noisy), point, now=NOW).action == "rollback"
