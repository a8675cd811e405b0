"""Which checklist items an incident gets when it changes phase: pure, over plain values."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.playbook.tasks import Checklist
from warroom.playbook.terms import STATUS_RANK as RANK


@dataclass(frozen=True)
class Due:
    phase: str
    checklist: str
    title: str
    required: bool
    position: int


def phases_entered(old: str | None, new: str) -> list[str]:
    """The phases a move passes into: ``new``, plus every phase it skipped on the way forward.

    Skipping a phase does not skip its checklist (triggered → closed still owes the
    ``resolved`` checklist). Opening (``old`` None) and reopening enter only ``new``.
    """
    if old is None or RANK[new] <= RANK[old]:
        return [new]
    return [s for s, rank in RANK.items() if RANK[old] < rank <= RANK[new]]


def due(checklists: list[Checklist], *, phases: list[str], severity: str) -> list[Due]:
    """The items of every checklist for these phases that applies to this severity, in
    lifecycle order, then playbook order."""
    found = [
        Due(c.phase, c.name, item.title, item.required, position)
        for c in checklists
        if c.phase in phases and c.applies_to(severity)
        for position, item in enumerate(c.items)
    ]
    return sorted(found, key=lambda d: RANK[d.phase])


def missing(wanted: list[Due], existing: set[tuple[str, str]]) -> list[Due]:
    """The wanted items not yet on the incident (by checklist and title): re-entering a phase
    adds nothing twice."""
    return [d for d in wanted if (d.checklist, d.title) not in existing]


def blocking_message(
    incident_id: str, open_required: list[tuple[int, str]], not_yet_added: list[Due]
) -> str:
    """Why an incident cannot close: every open required task by id and title, and the
    required items of phases the close would skip (they do not exist yet)."""
    parts = [f"#{task_id} {title}" for task_id, title in open_required]
    parts += [f"{d.title} (from {d.checklist}, added on {d.phase})" for d in not_yet_added]
    count = len(parts)
    hint = (
        f"check them off (warroom incident check {incident_id} TASK [TASK ...])"
        if not not_yet_added
        else f"move the incident to {not_yet_added[-1].phase} first (that adds them), then "
        "check them off"
    )
    return (
        f"incident {incident_id} cannot be closed: {count} required task"
        f"{'s are' if count > 1 else ' is'} still open: {'; '.join(parts)}; {hint}"
    )
