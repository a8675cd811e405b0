"""The release state machine's decisions, over plain values and a controlled clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from warroom.releases.machine import Position, next_move

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
POS = Position(
    state="planned",
    step=-1,
    steps=(10.0, 25.0, 50.0, 100.0),
    paused=False,
    approve_before=(),
    approved=(),
    state_since=T0,
    shadow=timedelta(minutes=10),
    interval=timedelta(minutes=5),
    inconclusive_limit=timedelta(minutes=15),
    on_inconclusive="hold",
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_planned_goes_to_shadow_or_straight_to_the_first_step() -> None:
    assert next_move(POS, None, now=T0).kind == "shadow"
    direct = next_move(replace(POS, shadow=timedelta(0)), None, now=T0)
    assert (direct.kind, direct.step) == ("step", 0)


def test_a_stage_lasts_its_length_and_passes_forward() -> None:
    shadow = replace(POS, state="shadow")
    assert next_move(shadow, "pass", now=at(9)).kind == "wait"
    assert (
        next_move(shadow, "pass", now=at(10)).kind,
        next_move(shadow, "pass", now=at(10)).step,
    ) == ("step", 0)
    canary = replace(POS, state="canary", step=1)
    assert next_move(canary, "pass", now=at(4)).kind == "wait"
    assert next_move(canary, "pass", now=at(5)).step == 2
    last = replace(POS, state="canary", step=3)
    assert next_move(last, "pass", now=at(5)).kind == "promote"


def test_failure_aborts_at_once_even_paused_or_early() -> None:
    for state in ("shadow", "canary", "awaiting_approval"):
        pos = replace(POS, state=state, step=1, paused=True)
        assert next_move(pos, "fail", now=at(0.1)).kind == "abort"


def test_paused_release_does_not_move_forward() -> None:
    pos = replace(POS, state="canary", step=1, paused=True)
    assert next_move(pos, "pass", now=at(60)).kind == "wait"


def test_approval_gate_before_a_step_and_after_approval() -> None:
    gated = replace(POS, state="canary", step=2, approve_before=(100.0,))
    move = next_move(gated, "pass", now=at(5))
    assert (move.kind, move.step) == ("await_approval", 3)
    waiting = replace(gated, state="awaiting_approval", step=3)
    assert next_move(waiting, "pass", now=at(30)).kind == "wait"
    approved = replace(waiting, approved=(3,))
    assert (
        next_move(approved, None, now=at(30)).kind,
        next_move(approved, None, now=at(30)).step,
    ) == ("step", 3)
    # Past a last step of 100 % promotion changes no traffic: no second gate.
    at_full = replace(approved, state="canary")
    assert next_move(at_full, "pass", now=at(5)).kind == "promote"


def test_inconclusive_waits_up_to_the_limit_then_holds_or_fails() -> None:
    pos = replace(POS, state="canary", step=0)
    assert next_move(pos, "inconclusive", now=at(19)).kind == "wait"
    held = next_move(pos, "inconclusive", now=at(20))
    assert (held.kind, held.step) == ("await_approval", 1)
    failed = next_move(replace(pos, on_inconclusive="fail"), "inconclusive", now=at(20))
    assert failed.kind == "abort"
