"""Incident opened → route to a team → schedule paging, the ack deadline and update cadence.

``on_incident_opened`` runs in intake's transaction, so an incident is never stored without
its paging jobs. The jobs (``response.handlers``) re-check the incident when they fire:
acknowledging it stops the chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.chat import service as chat
from warroom.errors import Conflict
from warroom.guide import service as guide
from warroom.incidents import lifecycle
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.jobs import service as jobs
from warroom.jobs.models import Job
from warroom.oncall import routing
from warroom.playbook.schema import Playbook
from warroom.playbook.terms import severity_rank
from warroom.response.escalation import ACTOR, ESCALATE, paged_severities, start_chain
from warroom.updates import service as updates

ACK_DEADLINE = "response.ack_deadline"


def routing_labels(incident: Incident, alertname: str) -> dict[str, str]:
    """What routes match on: the incident's common labels, its first alert's name, service
    and severity."""
    return {
        **incident.labels,
        "alertname": alertname,
        "service": incident.service or "",
        "severity": incident.severity,
    }


def route(*, incident: Incident, playbook: Playbook, alertname: str) -> None:
    """Give a new incident its team by the playbook's routes (before it is first stored, so
    the row is written once); ``alertname``: its first alert's name."""
    oncall = playbook.oncall
    labels = routing_labels(incident, alertname)
    incident.team = routing.route(oncall.routes, labels, oncall.default_team)


def on_incident_opened(
    *, session: Session, incident: Incident, playbook: Playbook, now: datetime
) -> None:
    """Record the new incident's routing (see :func:`route`) and enqueue its paging,
    ack-deadline and cadence jobs."""
    oncall = playbook.oncall
    policy = oncall.policy(oncall.policy_by_severity.get(incident.severity))  # type: ignore[call-overload]
    levels = routing.levels_for(policy, incident.severity) if policy else []
    paging = f"paging by {policy.name}" if policy and levels else "no paging for this severity"
    incidents.add_event_later(
        session=session,
        incident_id=incident.id,
        kind="routed",
        actor=ACTOR,
        message=f"Routed to {incident.team or 'no team (no route matched)'}; {paging}",
        now=now,
        data={"team": incident.team, "policy": policy.name if policy and levels else None},
    )
    if policy and levels:
        first = routing.step(policy, levels, 0, 0)
        payload = {
            "incident_id": incident.id,
            "policy": policy.name,
            "level": 0,
            "cycle": 0,
            "severity": incident.severity,
        }
        due = incident.detected_at + first.offset
        start_chain(session, playbook, payload, due, now, fresh=True)
    _deadline_and_cadence(session, incident, playbook, incident.detected_at, "")
    chat.request_room(
        session=session,
        incident_id=incident.id,
        severity=incident.severity,
        policy=playbook.chat,
        now=now,
    )
    guide.schedule(session=session, incident=incident, policy=playbook.runbooks)


def _deadline_and_cadence(
    session: Session, incident: Incident, playbook: Playbook, since: datetime, suffix: str
) -> None:
    level = playbook.severity_levels[incident.severity]  # type: ignore[index]
    deadline = since + level.response_time
    jobs.enqueue_later(
        session=session,
        kind=ACK_DEADLINE,
        payload={"incident_id": incident.id, "deadline": deadline.isoformat()},
        due_at=deadline,
        key=f"ack:{incident.id}{suffix}",
    )
    if level.update_every:
        updates.schedule_check(
            session=session, incident_id=incident.id, due=since + level.update_every
        )


def on_severity_raised(
    *, session: Session, incident: Incident, playbook: Playbook, now: datetime
) -> bool:
    """Page again, from level 0 now, by the policy of the incident's new severity when it is
    more severe than any it was paged for (P2 → P0). Once per incident and severity, so
    calling it twice, or after a raise and a lowering and a raise again, pages once. True
    when a new chain started.

    An acknowledged incident is not paged again: whoever acknowledged owns it (the same rule
    that stops a chain); its update cadence follows the new severity from the next check.
    """
    if lifecycle.is_open(incident.status):  # a P3 raised to P1 gets its room now
        chat.request_room(
            session=session,
            incident_id=incident.id,
            severity=incident.severity,
            policy=playbook.chat,
            now=now,
        )
    if not lifecycle.is_open(incident.status) or incident.acknowledged_at is not None:
        return False
    paged = paged_severities(session, incident.id)
    rank = severity_rank(incident.severity)
    if any(severity_rank(p) <= rank for p in paged):
        return False
    policy = playbook.oncall.policy(playbook.oncall.policy_by_severity.get(incident.severity))  # type: ignore[call-overload]
    levels = routing.levels_for(policy, incident.severity) if policy else []
    if policy is None or not levels:
        return False
    sev = incident.severity
    _deadline_and_cadence(session, incident, playbook, now, f":{sev}")
    incidents.add_event_later(
        session=session,
        incident_id=incident.id,
        kind="routed",
        actor=ACTOR,
        message=f"Severity is now {sev}: paging{' again' if paged else ''} by {policy.name}",
        now=now,
        data={"team": incident.team, "policy": policy.name, "severity": sev, "repage": True},
    )
    audit.record_later(
        session=session,
        actor=ACTOR,
        action="incident.repage",
        target=incident.id,
        now=now,
        severity=sev,
        policy=policy.name,
    )
    payload = {
        "incident_id": incident.id,
        "policy": policy.name,
        "level": 0,
        "cycle": 0,
        "severity": sev,
        "since": now.isoformat(),
    }
    start_chain(session, playbook, payload, now + routing.step(policy, levels, 0, 0).offset, now)
    return True


def escalate_now(*, session: Session, incident_id: str, actor: str, now: datetime) -> int:
    """Page the incident's next escalation level now instead of at its time; its level.
    Conflict when the incident is acknowledged or no level is waiting."""
    incident = incidents.get(session=session, incident_id=incident_id, for_update=True)
    if not lifecycle.is_open(incident.status) or incident.acknowledged_at is not None:
        raise Conflict(f"incident {incident_id} is acknowledged or closed: nothing to escalate")
    waiting = session.scalars(
        select(Job)
        .where(Job.kind == ESCALATE, Job.status == "pending", Job.key.like(f"esc:{incident_id}:%"))
        .order_by(Job.due_at)
        .limit(1)
    ).first()
    if waiting is None:
        raise Conflict(f"incident {incident_id}: no further escalation level is waiting")
    waiting.due_at = now
    level = int(waiting.payload.get("level", 0))
    incidents.add_event(
        session=session,
        incident_id=incident_id,
        kind="escalation",
        actor=actor,
        message=f"Escalated now to level {level}",
        now=now,
        data={"level": level, "now": True},
    )
    audit.record(
        session=session,
        actor=actor,
        action="incident.escalate",
        target=incident_id,
        now=now,
        level=level,
    )
    return level
