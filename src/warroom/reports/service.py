"""The response report over a period: incidents detected in [since, until)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.errors import InvalidInput
from warroom.incidents.models import Incident, TimelineEvent
from warroom.playbook.schema import Playbook
from warroom.reports import aggregate, follow_up, metrics, summary


def incidents_in(
    *,
    session: Session,
    since: datetime | None,
    until: datetime | None,
    incident_ids: list[str] | None = None,
) -> list[Incident]:
    """Incidents detected in [since, until) (and among ``incident_ids``), oldest first."""
    query = select(Incident)
    if incident_ids is not None:
        query = query.where(Incident.id.in_(incident_ids))
    if since is not None:
        query = query.where(Incident.detected_at >= since)
    if until is not None:
        query = query.where(Incident.detected_at < until)
    return list(session.scalars(query.order_by(Incident.detected_at, Incident.id)))


def rollback_events(*, session: Session, incident_ids: list[str]) -> list[TimelineEvent]:
    """The concluded-rollback timeline events of these incidents, oldest first."""
    if not incident_ids:
        return []
    return list(
        session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.kind == "rollback", TimelineEvent.incident_id.in_(incident_ids))
            .order_by(TimelineEvent.at, TimelineEvent.id)
        )
    )


#: The period a report covers when the caller names none: the last 30 days.
DEFAULT_PERIOD = timedelta(days=30)


def bounded(
    *, since: datetime | None, until: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The report period: ``until`` defaults to the end of today (UTC; or of the day of
    ``since`` when that is later), ``since`` to 30 days before ``until`` (so that by default
    a report covers 30 whole days, today included, which it reads from the per-day
    summary); InvalidInput when since > until."""
    if since is not None and until is not None and since > until:
        raise InvalidInput(f"since: {since.isoformat()} is after until {until.isoformat()}")
    end = until if until is not None else summary.midnight(max(now, since or now)) + summary.DAY
    return (since if since is not None else end - DEFAULT_PERIOD), end


def response_report(
    *,
    session: Session,
    playbook: Playbook,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    incident_ids: list[str] | None = None,
    services_after: str | None = None,
    services_limit: int | None = summary.SERVICES_SHOWN,
) -> dict[str, Any]:
    """Every response figure for incidents detected in [since, until) (either end open),
    JSON-ready (schema: response-metrics), read from the per-day summary and aggregated
    by the database. Services (counts and MTBF) are listed in name order after
    ``services_after``, at most ``services_limit`` (None: all)."""
    period = aggregate.Period(since, until, incident_ids)
    response, by_severity = summary.durations(session, period)
    targets: dict[str, metrics.Target] = {
        s: metrics.Target(level.response_time, level.resolution_target)
        for s, level in playbook.severity_levels.items()
    }
    by_service, services_next = summary.services(session, period, services_after, services_limit)
    causes = follow_up.root_causes(session, period, response["count"])
    runs = [
        metrics.RollbackRun(d.get("state"), d.get("duration_seconds"))
        for d in follow_up.rollback_data(session, period)
    ]
    named = [s for s in by_service if s is not None]
    delays: dict[str, timedelta] = {
        s: d for s, d in playbook.postmortem.due_after.items() if d is not None
    }
    return {
        "generated_at": now.isoformat(),
        "period": {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
        "incidents": {
            "by_severity": by_severity,
            "by_service": _named(by_service, "none"),
            "by_service_next": services_next,
            "by_root_cause": _named(causes, metrics.UNCATEGORISED),
            "total": response["count"],
        },
        "response": response,
        "mtbf_seconds": (
            aggregate.mtbf(session, period, None if services_limit is None else named)
            if named
            else {}
        ),
        "sla": summary.sla(session, period, targets, now),
        "postmortems": follow_up.postmortems(
            session,
            period,
            playbook.postmortem,
            now,
            summary.passed_due(session, period, delays, now),
        ),  # fmt: skip
        "action_items": follow_up.action_items(session, period, now),
        "rollbacks": metrics.rollback_stats(runs),
    }


def _named(counts: dict[str | None, int], empty: str) -> dict[str, int]:
    merged: dict[str, int] = {}
    for key, n in counts.items():
        merged[key or empty] = merged.get(key or empty, 0) + n
    return dict(sorted(merged.items()))
