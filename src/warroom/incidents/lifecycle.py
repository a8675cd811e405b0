"""The incident lifecycle as a pure state machine.

    triggered → acknowledged → investigating → identified → mitigating → monitoring
              → resolved → closed

Moving forward may skip states (triggered → resolved). Moving back is allowed only to reopen
a resolved incident (to any open state). Closed is final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.errors import IllegalTransition
from warroom.playbook.terms import STATUS_RANK, STATUSES

ORDER: tuple[str, ...] = STATUSES
OPEN_STATES: tuple[str, ...] = ORDER[:6]
RANK = STATUS_RANK


@dataclass(frozen=True)
class Transition:
    old: str
    new: str
    reopen: bool


def transition(current: str, target: str) -> Transition:
    """Validate a status change; raise IllegalTransition with the reason when it is not allowed."""
    if target not in RANK:
        raise IllegalTransition(f"unknown status {target!r}; expected one of {', '.join(ORDER)}")
    if current == target:
        raise IllegalTransition(f"incident is already {current}")
    if current == "closed":
        raise IllegalTransition("incident is closed; a closed incident cannot change status")
    if RANK[target] > RANK[current]:
        return Transition(current, target, reopen=False)
    if current == "resolved":
        return Transition(current, target, reopen=True)
    raise IllegalTransition(
        f"cannot go back from {current} to {target}: only a resolved incident can be reopened"
    )


def stamps(
    t: Transition,
    *,
    now: datetime,
    acknowledged_at: datetime | None,
    mitigated_at: datetime | None,
    by_automation: bool = False,
) -> dict[str, datetime | None]:
    """The timestamp columns a transition sets (or clears on reopen)."""
    changes: dict[str, datetime | None] = {}
    rank = RANK[t.new]
    # A person skipping past "acknowledged" still took the incident: stamp it then. When
    # automation moves it on (a verified rollback), nobody acknowledged: MTTA stays honest.
    if rank >= RANK["acknowledged"] and acknowledged_at is None and not by_automation:
        changes["acknowledged_at"] = now
    if rank >= RANK["monitoring"] and mitigated_at is None:
        changes["mitigated_at"] = now
    if t.new == "resolved" or (t.new == "closed" and t.old != "resolved"):
        changes["resolved_at"] = now
    if t.new == "closed":
        changes["closed_at"] = now
    if t.reopen:
        changes["resolved_at"] = None
        if rank < RANK["monitoring"]:
            changes["mitigated_at"] = None
    return changes


def is_open(status: str) -> bool:
    return status in OPEN_STATES
