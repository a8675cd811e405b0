"""A drill's verdict: each stage's time against the playbook's target. Pure.

Stages and what is timed (seconds):

- detection: fault injected → incident detected (target: ``drills.targets.detection``);
- page: incident detected → first page delivered (``drills.targets.page``);
- acknowledgement: detected → acknowledged, when the playbook pages a human for the
  severity (the severity's ``response_time``);
- rollback: requested → verified, when the auto-rollback policy decided to roll back
  (``rollback.timeout``);
- recovery: fault injected → every alert of the incident resolved (the severity's
  ``resolution_target``; none: no target).

A stage that was expected and did not happen fails; one that was not expected is ``n/a``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

STAGES = ("detection", "page", "acknowledgement", "rollback", "recovery")


@dataclass(frozen=True)
class Stage:
    name: str
    status: str  # pass | fail | n/a
    seconds: float | None
    target_s: float | None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Facts:
    """What happened, as timestamps (None: did not happen)."""

    injected_at: datetime
    detected_at: datetime | None = None
    paged_at: datetime | None = None
    page_expected: bool = True
    acknowledged_at: datetime | None = None
    ack_expected: bool = True
    ack_note: str = ""
    rollback_expected: bool = False
    rollback_note: str = ""
    rollback_requested_at: datetime | None = None
    rollback_finished_at: datetime | None = None
    rollback_state: str | None = None
    recovered_at: datetime | None = None


@dataclass(frozen=True)
class Targets:
    detection_s: float
    page_s: float
    acknowledgement_s: float | None
    rollback_s: float
    recovery_s: float | None


def _secs(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max((end - start).total_seconds(), 0.0), 3)


def judge(
    name: str, seconds: float | None, target: float | None, *, expected: bool, note: str = ""
) -> Stage:
    """One stage's verdict."""
    if not expected:
        return Stage(name, "n/a", seconds, target, note)
    if seconds is None:
        return Stage(name, "fail", None, target, note or "did not happen")
    ok = target is None or seconds <= target
    return Stage(name, "pass" if ok else "fail", seconds, target, note)


def evaluate(facts: Facts, targets: Targets) -> list[Stage]:
    """Every stage, in order."""
    f = facts
    rollback_ok = f.rollback_state in (None, "succeeded")
    rollback_s = _secs(f.rollback_requested_at, f.rollback_finished_at) if rollback_ok else None
    page_note = "" if f.page_expected else "no paging policy"
    return [
        judge("detection", _secs(f.injected_at, f.detected_at), targets.detection_s, expected=True),
        judge(
            "page",
            _secs(f.detected_at, f.paged_at),
            targets.page_s,
            expected=f.page_expected,
            note=page_note,
        ),
        judge(
            "acknowledgement",
            _secs(f.detected_at, f.acknowledged_at),
            targets.acknowledgement_s,
            expected=f.ack_expected,
            note=f.ack_note,
        ),
        judge(
            "rollback",
            rollback_s,
            targets.rollback_s,
            expected=f.rollback_expected,
            note=f.rollback_note,
        ),
        judge("recovery", _secs(f.injected_at, f.recovered_at), targets.recovery_s, expected=True),
    ]


def passed(stages: list[Stage]) -> bool:
    return all(s.status != "fail" for s in stages)
