"""Incident opened → route to a team → schedule paging, the ack deadline and update cadence.

``on_incident_opened`` runs in intake's transaction, so an incident is never stored without
its paging jobs. The jobs (``response.handlers``) re-check the incident when they fire:
acknowledging it stops the chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.oncall import routing
from warroom.playbook.schema import Playbook
from warroom.updates import service as updates
from warroom.worker import service as jobs

ACTOR = "warroom:response"
ESCALATE = "response.escalate"
ACK_DEADLINE = "response.ack_deadline"


def routing_labels(session: Session, incident: Incident) -> dict[str, str]:
    """What routes match on: the incident's common labels, its first alert's name, service
    and severity."""
    name = session.scalar(
        select(Alert.name).where(Alert.incident_id == incident.id).order_by(Alert.id).limit(1)
    )
    return {
        **incident.labels,
        "alertname": name or "",
        "service": incident.service or "",
        "severity": incident.severity,
    }


def on_incident_opened(
    *, session: Session, incident: Incident, playbook: Playbook, now: datetime
) -> None:
    """Route the new incident and enqueue its paging, ack-deadline and cadence jobs."""
    oncall = playbook.oncall
    labels = routing_labels(session, incident)
    incident.team = routing.route(oncall.routes, labels, oncall.default_team)
    policy = oncall.policy(oncall.policy_by_severity.get(incident.severity))  # type: ignore[call-overload]
    levels = routing.levels_for(policy, incident.severity) if policy else []
    paging = f"paging by {policy.name}" if policy and levels else "no paging for this severity"
    incidents.add_event(
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
        jobs.enqueue(
            session=session,
            kind=ESCALATE,
            payload={"incident_id": incident.id, "policy": policy.name, "level": 0, "cycle": 0},
            due_at=incident.detected_at + first.offset,
            key=f"esc:{incident.id}:0:0",
        )
    level = playbook.severity_levels[incident.severity]  # type: ignore[index]
    deadline = incident.detected_at + level.response_time
    jobs.enqueue(
        session=session,
        kind=ACK_DEADLINE,
        payload={"incident_id": incident.id, "deadline": deadline.isoformat()},
        due_at=deadline,
        key=f"ack:{incident.id}",
    )
    if level.update_every:
        updates.schedule_check(
            session=session, incident_id=incident.id, due=incident.detected_at + level.update_every
        )
