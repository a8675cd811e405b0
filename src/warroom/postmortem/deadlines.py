"""Due dates and overdue checks for postmortems and action items (pure)."""

from __future__ import annotations

from datetime import datetime

from warroom.playbook.schema import PostmortemPolicy


def postmortem_due(
    *, resolved_at: datetime | None, severity: str, policy: PostmortemPolicy
) -> datetime | None:
    """Resolution + the playbook's delay for the severity; None without either."""
    delay = policy.due_after.get(severity)  # type: ignore[call-overload]
    if resolved_at is None or delay is None:
        return None
    return resolved_at + delay


def postmortem_overdue(
    *, due_at: datetime | None, published_at: datetime | None, now: datetime
) -> bool:
    """Past its due date and not published (a missing postmortem is unpublished)."""
    return due_at is not None and published_at is None and now > due_at


def postmortem_on_time(*, due_at: datetime, published_at: datetime | None) -> bool:
    """Published no later than its due date."""
    return published_at is not None and published_at <= due_at


def action_overdue(*, due_at: datetime | None, status: str, now: datetime) -> bool:
    """Still open or in progress after its due date."""
    return due_at is not None and status in ("open", "in_progress") and now > due_at


def action_on_time(*, due_at: datetime | None, completed_at: datetime | None, status: str) -> bool:
    """Done no later than its due date (an item without a due date counts once done)."""
    if status != "done" or completed_at is None:
        return False
    return due_at is None or completed_at <= due_at
