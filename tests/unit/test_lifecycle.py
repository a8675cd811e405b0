from datetime import UTC, datetime

import pytest

from warroom.errors import IllegalTransition
from warroom.incidents.lifecycle import OPEN_STATES, ORDER, stamps, transition

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for i, a in enumerate(ORDER[:-1]) for b in ORDER[i + 1 :]],
)
def test_every_forward_move_is_allowed(current: str, target: str) -> None:
    move = transition(current, target)
    assert (move.old, move.new, move.reopen) == (current, target, False)


@pytest.mark.parametrize("target", OPEN_STATES)
def test_resolved_can_be_reopened_to_any_open_state(target: str) -> None:
    assert transition("resolved", target).reopen


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for i, a in enumerate(ORDER) for b in ORDER[:i] if a not in ("resolved",)],
)
def test_backward_moves_are_refused_except_reopen(current: str, target: str) -> None:
    with pytest.raises(IllegalTransition):
        transition(current, target)


@pytest.mark.parametrize("status", ORDER)
def test_same_status_is_refused(status: str) -> None:
    with pytest.raises(IllegalTransition, match="already"):
        transition(status, status)


def test_closed_is_final_with_a_clear_message() -> None:
    with pytest.raises(IllegalTransition, match="closed incident cannot change"):
        transition("closed", "investigating")


def test_unknown_status_names_the_choices() -> None:
    with pytest.raises(IllegalTransition, match="expected one of triggered"):
        transition("triggered", "fixed")


def test_skipping_to_resolved_stamps_ack_mitigation_and_resolution() -> None:
    changes = stamps(
        transition("triggered", "resolved"), now=NOW, acknowledged_at=None, mitigated_at=None
    )
    assert changes == {"acknowledged_at": NOW, "mitigated_at": NOW, "resolved_at": NOW}


def test_existing_stamps_are_kept() -> None:
    earlier = datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
    changes = stamps(
        transition("acknowledged", "investigating"),
        now=NOW,
        acknowledged_at=earlier,
        mitigated_at=None,
    )
    assert changes == {}


def test_closing_an_open_incident_also_resolves_it() -> None:
    changes = stamps(
        transition("monitoring", "closed"), now=NOW, acknowledged_at=NOW, mitigated_at=NOW
    )
    assert changes == {"resolved_at": NOW, "closed_at": NOW}


def test_reopen_clears_resolution_and_mitigation() -> None:
    changes = stamps(
        transition("resolved", "investigating"), now=NOW, acknowledged_at=NOW, mitigated_at=NOW
    )
    assert changes == {"resolved_at": None, "mitigated_at": None}


def test_automation_moving_on_does_not_count_as_acknowledgement() -> None:
    changes = stamps(
        transition("triggered", "monitoring"),
        now=NOW,
        acknowledged_at=None,
        mitigated_at=None,
        by_automation=True,
    )
    assert changes == {"mitigated_at": NOW}
