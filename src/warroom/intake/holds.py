"""Rules with a ``for`` duration: which ones an alert holds, since when, and the durable
check that looks at a pending alert again when its ``for`` elapses.

An alert's ``holds`` column maps rule name → ISO 8601 instant the rule started holding; the
pure decisions are in :mod:`warroom.incidents.classify`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from warroom.incidents.classify import track_holds
from warroom.jobs import service as jobs
from warroom.playbook.schema import Playbook, Rule

PENDING_CHECK = "alerts.pending"


class Observed(Protocol):
    """What tracking needs of an alert (a stored row or one about to be inserted)."""

    metrics: dict[str, float]
    starts_at: datetime
    repeat_count: int
    holds: dict[str, str] | None


def timed_rules(playbook: Playbook) -> list[Rule]:
    """The classification rules with a ``for`` duration (usually none)."""
    return [rule for rule in playbook.classification.rules if rule.for_ is not None]


def parse(stored: dict[str, str] | None) -> dict[str, datetime]:
    return {name: datetime.fromisoformat(at) for name, at in (stored or {}).items()}


def track(row: Observed, timed: list[Rule], now: datetime) -> None:
    """Update the alert's holds with its latest metrics."""
    # A new alert's conditions have held since the source says it started firing.
    since = min(row.starts_at, now) if row.repeat_count == 0 else now
    held = track_holds(rules=timed, metrics=row.metrics, previous=parse(row.holds), since=since)
    row.holds = {name: at.isoformat() for name, at in held.items()}


def schedule_check(session: Session, alert_id: int | None, due: datetime) -> None:
    """Look at the alert again at ``due`` (one job per alert and instant)."""
    jobs.enqueue(
        session=session,
        kind=PENDING_CHECK,
        payload={"alert_id": alert_id},
        due_at=due,
        key=f"{PENDING_CHECK}:{alert_id}:{due.isoformat()}",
    )
