"""The follow-up figures of a report, computed by the database: root causes and
postmortems (counted from the postmortems, each finding its incident by key), action
items, and the rollbacks of the period's incidents. Definitions: :mod:`warroom.reports.metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from warroom.incidents.models import Incident, TimelineEvent
from warroom.playbook.schema import PostmortemPolicy
from warroom.postmortem.models import ActionItem, Postmortem
from warroom.reports.aggregate import IDS_SHOWN, Period, per_severity, seconds
from warroom.reports.metrics import rate
from warroom.storage.base import UTCDateTime


def _of_incident(column: Any) -> Any:
    """``column`` of the postmortem's incident (a correlated lookup by key)."""
    return select(column).where(Incident.id == Postmortem.incident_id).scalar_subquery()


def _in_period(period: Period) -> ColumnElement[bool]:
    """Whether the postmortem's incident is in the period, as a correlated EXISTS: a join
    would let SQLite's planner walk every incident of the period instead of the few
    postmortems."""
    return (
        select(Incident.id).where(Incident.id == Postmortem.incident_id, *period.where()).exists()
    )


def root_causes(session: Session, period: Period, total: int) -> dict[str | None, int]:
    """Incidents of the period per postmortem root-cause category (None: none or no
    postmortem). Counted from the postmortems (few), each finding its incident by key."""
    category = Postmortem.root_cause_category
    query = (
        select(category, func.count())
        .where(category.is_not(None), _in_period(period))
        .group_by(category)
    )
    out: dict[str | None, int] = {value: n for value, n in session.execute(query)}
    rest = total - sum(out.values())
    if rest:
        out[None] = rest
    return out


def _due_rules(
    delays: Mapping[str, timedelta], now: datetime
) -> tuple[Any, Any, list[ColumnElement[bool]]]:
    """Per-severity cutoff and limit expressions, and the "due date passed" conditions."""
    cutoff = per_severity({s: now - d for s, d in delays.items()}, UTCDateTime())
    limit = per_severity({s: d.total_seconds() for s, d in delays.items()}, Float())
    resolved = Incident.resolved_at
    return cutoff, limit, [limit.is_not(None), resolved.is_not(None), resolved < cutoff]


def passed_due(
    session: Session, period: Period, delays: Mapping[str, timedelta], now: datetime
) -> int:
    """Incidents of the period whose postmortem due date has passed."""
    if not delays:
        return 0
    _, _, passed = _due_rules(delays, now)
    return session.scalar(select(func.count()).where(*period.where(), *passed)) or 0


def postmortems(
    session: Session,
    period: Period,
    policy: PostmortemPolicy,
    now: datetime,
    n_passed: int | None = None,
) -> dict[str, Any]:
    """Postmortems published by their due date (see metrics.postmortem_completion).

    Counted from two sides so that no query visits every incident's postmortem: incidents
    whose due date has passed (``n_passed``, from the incidents' report index unless the
    caller counted them), and postmortems published before their due date (from the
    postmortems, joined by primary key). The overdue ids are looked for only when some are."""
    published = Postmortem.published_at
    delays: dict[str, timedelta] = {s: d for s, d in policy.due_after.items() if d is not None}
    if not delays:
        return {"eligible": 0, "on_time": 0, "rate": None, "target": 1.0, "overdue": []}
    _, _, passed = _due_rules(delays, now)
    if n_passed is None:
        n_passed = passed_due(session, period, delays, now)
    # From the postmortems, each looking up its incident by key (see root_causes).
    resolved = _of_incident(Incident.resolved_at)
    severity = _of_incident(Incident.severity)
    cutoff = per_severity({s: now - d for s, d in delays.items()}, UTCDateTime(), severity)
    limit = per_severity({s: d.total_seconds() for s, d in delays.items()}, Float(), severity)
    on_time = seconds(session, published, resolved) <= limit
    n_early, n_on_time, n_done = session.execute(
        select(
            func.count(case((resolved >= cutoff, 1))),
            func.count(case((on_time, 1))),
            func.count(case((resolved < cutoff, 1))),
        ).where(
            published.is_not(None),
            _in_period(period),
            limit.is_not(None),
            resolved.is_not(None),
        )  # fmt: skip
    ).one()
    overdue: list[str] = []
    if n_passed > n_done:
        done = select(Postmortem.id).where(
            Postmortem.incident_id == Incident.id, published.is_not(None)
        )
        late = (
            select(Incident.id)
            .where(*period.where(), *passed, ~done.exists())
            .order_by(Incident.detected_at, Incident.id)
            .limit(IDS_SHOWN)
        )
        overdue = list(session.scalars(late))
    n_eligible = n_passed + n_early
    return {
        "eligible": n_eligible,
        "on_time": n_on_time,
        "rate": rate(n_on_time, n_eligible),
        "target": 1.0,
        "overdue": overdue,
    }


def action_items(session: Session, period: Period, now: datetime) -> dict[str, Any]:
    """Action items done by their due date (see metrics.action_completion)."""
    status, due, done_at = ActionItem.status, ActionItem.due_at, ActionItem.completed_at
    is_open = status.in_(("open", "in_progress"))
    eligible = and_(status != "wont_do", or_(status == "done", and_(due.is_not(None), due < now)))
    on_time = and_(status == "done", done_at.is_not(None), or_(due.is_(None), done_at <= due))
    # Items are few: each finds its incident by primary key (an IN over every incident id
    # of the period would read them all).
    joined = select(ActionItem).join(Incident, Incident.id == ActionItem.incident_id)
    counts = joined.with_only_columns(
        func.count(),
        func.count(case((is_open, 1))),
        func.count(case((eligible, 1))),
        func.count(case((on_time, 1))),
    ).where(*period.where(session))
    total, n_open, n_eligible, n_on_time = session.execute(counts).one()
    overdue = joined.with_only_columns(ActionItem.id).where(
        *period.where(session), is_open, due.is_not(None), due < now
    )
    return {
        "total": total,
        "open": n_open,
        "eligible": n_eligible,
        "on_time": n_on_time,
        "rate": rate(n_on_time, n_eligible),
        "target": 0.9,
        "overdue": list(session.scalars(overdue.order_by(ActionItem.id).limit(IDS_SHOWN))),
    }


def rollback_data(session: Session, period: Period) -> list[dict[str, Any]]:
    """The concluded-rollback timeline events' data of the period's incidents, oldest
    first (one per rollback: a handful, whatever the number of incidents)."""
    query = (
        select(TimelineEvent.data)
        .join(Incident, Incident.id == TimelineEvent.incident_id)
        .where(TimelineEvent.kind == "rollback", *period.where())
    )
    return list(session.scalars(query.order_by(TimelineEvent.at, TimelineEvent.id)))
