"""The response report over a period: incidents detected in [since, until)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.incidents.models import Incident, TimelineEvent
from warroom.playbook.schema import Playbook
from warroom.postmortem import deadlines
from warroom.postmortem.models import ActionItem, Postmortem
from warroom.reports import metrics


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


def response_report(
    *,
    session: Session,
    playbook: Playbook,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    incident_ids: list[str] | None = None,
) -> dict[str, Any]:
    """Every response figure for the period, JSON-ready (schema: response-metrics)."""
    rows = incidents_in(session=session, since=since, until=until, incident_ids=incident_ids)
    ids = [r.id for r in rows]
    pms = {
        p.incident_id: p
        for p in session.scalars(select(Postmortem).where(Postmortem.incident_id.in_(ids)))
    }
    times = [
        metrics.IncidentTimes(
            id=r.id,
            severity=r.severity,
            service=r.service,
            started_at=r.started_at,
            detected_at=r.detected_at,
            acknowledged_at=r.acknowledged_at,
            resolved_at=r.resolved_at,
            root_cause=pms[r.id].root_cause_category if r.id in pms else None,
        )
        for r in rows
    ]
    targets: dict[str, metrics.Target] = {
        s: metrics.Target(level.response_time, level.resolution_target)
        for s, level in playbook.severity_levels.items()
    }
    dues = []
    for r in rows:
        due = deadlines.postmortem_due(
            resolved_at=r.resolved_at, severity=r.severity, policy=playbook.postmortem
        )
        if due is not None:
            published = pms[r.id].published_at if r.id in pms else None
            dues.append(metrics.PostmortemDue(r.id, due, published))
    items = session.scalars(
        select(ActionItem).where(ActionItem.incident_id.in_(ids)).order_by(ActionItem.id)
    )
    actions = [
        metrics.ActionDue(a.id, a.incident_id, a.due_at, a.status, a.completed_at) for a in items
    ]
    runs = [
        metrics.RollbackRun(e.data.get("state"), e.data.get("duration_seconds"))
        for e in rollback_events(session=session, incident_ids=ids)
    ]
    return {
        "generated_at": now.isoformat(),
        "period": {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
        "incidents": {**metrics.counts(times), "total": len(times)},
        "response": metrics.durations(times),
        "mtbf_seconds": metrics.mtbf(times),
        "sla": metrics.sla(times, targets, now),
        "postmortems": metrics.postmortem_completion(dues, now),
        "action_items": metrics.action_completion(actions, now),
        "rollbacks": metrics.rollback_stats(runs),
    }
