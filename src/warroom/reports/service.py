"""The response report over a period: incidents detected in [since, until)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.errors import InvalidInput
from warroom.incidents.models import Incident, TimelineEvent
from warroom.playbook.schema import Playbook
from warroom.postmortem.models import Postmortem
from warroom.reports import aggregate, metrics


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
    """The report period: ``until`` defaults to now (or ``since`` when that is later: an
    empty period), ``since`` to 30 days before ``until``; InvalidInput when since > until."""
    if since is not None and until is not None and since > until:
        raise InvalidInput(f"since: {since.isoformat()} is after until {until.isoformat()}")
    end = until if until is not None else max(now, since or now)
    return (since if since is not None else end - DEFAULT_PERIOD), end


def response_report(
    *,
    session: Session,
    playbook: Playbook,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    incident_ids: list[str] | None = None,
) -> dict[str, Any]:
    """Every response figure for incidents detected in [since, until) (either end open),
    JSON-ready (schema: response-metrics), aggregated by the database."""
    period = aggregate.Period(since, until, incident_ids)
    response, by_severity = aggregate.durations(session, period)
    targets: dict[str, metrics.Target] = {
        s: metrics.Target(level.response_time, level.resolution_target)
        for s, level in playbook.severity_levels.items()
    }
    by_service = aggregate.count_by(session, period, Incident.service)
    causes = aggregate.count_by(
        session,
        period,
        Postmortem.root_cause_category,
        join=(Postmortem, Postmortem.incident_id == Incident.id),
    )
    runs = [
        metrics.RollbackRun(d.get("state"), d.get("duration_seconds"))
        for d in aggregate.rollback_data(session, period)
    ]
    return {
        "generated_at": now.isoformat(),
        "period": {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
        "incidents": {
            "by_severity": by_severity,
            "by_service": _named(by_service, "none"),
            "by_root_cause": _named(causes, metrics.UNCATEGORISED),
            "total": response["count"],
        },
        "response": response,
        "mtbf_seconds": aggregate.mtbf(session, period),
        "sla": aggregate.sla(session, period, targets, now),
        "postmortems": aggregate.postmortems(session, period, playbook.postmortem, now),
        "action_items": aggregate.action_items(session, period, now),
        "rollbacks": metrics.rollback_stats(runs),
    }


def _named(counts: dict[str | None, int], empty: str) -> dict[str, int]:
    merged: dict[str, int] = {}
    for key, n in counts.items():
        merged[key or empty] = merged.get(key or empty, 0) + n
    return dict(sorted(merged.items()))
