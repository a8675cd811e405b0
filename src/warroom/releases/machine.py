"""The release state machine's decisions: pure, over plain values.

Given where a release stands and the current judgement of its stage, ``next_move`` says
what to do: wait, start the shadow phase, enter a canary step, wait for a person's
approval, promote or abort. A failing judgement aborts in every state where the candidate
runs (even paused: pausing stops the release from moving forward, never from stopping).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Position:
    state: str
    step: int
    steps: tuple[float, ...]
    paused: bool
    approve_before: tuple[float, ...]
    approved: tuple[int, ...]
    state_since: datetime
    shadow: timedelta
    interval: timedelta
    inconclusive_limit: timedelta
    on_inconclusive: str  # fail | hold


@dataclass(frozen=True)
class Move:
    kind: str  # wait | shadow | step | await_approval | promote | abort
    step: int = -1
    reason: str = ""


WAIT = Move("wait")


def weight_at(steps: tuple[float, ...], step: int) -> float:
    """The candidate's weight at ``step`` (the step past the last one is promotion: 100)."""
    return 100.0 if step >= len(steps) else float(steps[step])


def enter(pos: Position, step: int, reason: str) -> Move:
    """Go to ``step`` (promotion past the last), through its approval gate if it has one."""
    # Promotion past a last step of 100 % changes no traffic: its gate was that step's.
    promotion_only = step >= len(pos.steps) and pos.steps[-1] >= 100
    gated = (
        not promotion_only
        and weight_at(pos.steps, step) in pos.approve_before
        and step not in pos.approved
    )
    if gated:
        return Move("await_approval", step, f"{reason}; waiting for approval")
    if step >= len(pos.steps):
        return Move("promote", step, reason)
    return Move("step", step, reason)


def next_move(pos: Position, verdict: str | None, *, now: datetime) -> Move:
    """What to do now, given the current stage's verdict (None: nothing judged yet)."""
    if verdict == "fail" and pos.state in ("shadow", "canary", "awaiting_approval"):
        return Move("abort", pos.step, "analysis failed")
    if pos.state == "planned":
        return Move("shadow") if pos.shadow > timedelta(0) else enter(pos, 0, "no shadow phase")
    if pos.paused:
        return WAIT
    if pos.state == "awaiting_approval":
        if pos.step in pos.approved:
            return enter(pos, pos.step, "approved")
        return WAIT
    if pos.state not in ("shadow", "canary"):
        return WAIT
    length = pos.shadow if pos.state == "shadow" else pos.interval
    elapsed = now - pos.state_since
    if elapsed < length:
        return WAIT
    after = pos.step + 1
    if verdict == "pass":
        return enter(pos, after, f"{pos.state} passed")
    if elapsed < length + pos.inconclusive_limit:
        return WAIT
    if pos.on_inconclusive == "fail":
        return Move("abort", pos.step, "not enough samples to judge within the limit")
    return Move("await_approval", after, "not enough samples to judge; held for a person")
