"""Read an incident into the plain values the chat renderers take."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.chat.render import IncidentView
from warroom.config import Settings
from warroom.incidents import service as incidents
from warroom.incidents.models import IncidentRole, TimelineEvent
from warroom.playbook.chat import ChatPolicy
from warroom.playbook.schema import Playbook


def roles(session: Session, incident_id: str) -> dict[str, str]:
    """Who holds each role now."""
    rows = session.scalars(
        select(IncidentRole)
        .where(IncidentRole.incident_id == incident_id, IncidentRole.renounced_at.is_(None))
        .order_by(IncidentRole.id)
    )
    return {r.role: r.person for r in rows}


def incident_view(
    session: Session, incident_id: str, policy: ChatPolicy, settings: Settings
) -> IncidentView:
    incident, alerts = incidents.get_detail(session=session, incident_id=incident_id)
    summaries = [a.summary for a in alerts if a.summary]
    metrics = ", ".join(f"{k} {v:g}" for k, v in sorted(incident.metrics.items()))
    known = "; ".join(filter(None, [summaries[0] if summaries else "", metrics]))
    runbook = (
        policy.runbook_url.replace("{service}", incident.service or "")
        if (policy.runbook_url)
        else None
    )
    return IncidentView(
        id=incident.id,
        title=incident.title,
        severity=incident.severity,
        status=incident.status,
        service=incident.service,
        team=incident.team,
        known=known or f"{len(alerts)} alert(s), no summary yet",
        roles=roles(session, incident_id),
        console_url=f"{settings.base_url}/incidents/{incident.id}",
        runbook_url=runbook,
    )


def team_members(playbook: Playbook, team_name: str | None) -> list[str]:
    """The people a team lists: its schedules' members and its manager."""
    oncall = playbook.oncall
    team = oncall.team(team_name)
    if team is None:
        return []
    names: list[str] = []
    for schedule_name in team.oncall.values():
        schedule = oncall.schedule(schedule_name)
        for layer in schedule.layers if schedule else []:
            names += layer.members
    names += [team.manager] if team.manager else []
    return list(dict.fromkeys(names))


def paged(session: Session, incident_id: str) -> list[str]:
    """Everyone paged for the incident so far."""
    data = session.scalars(
        select(TimelineEvent.data).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "page"
        )
    )
    return list(dict.fromkeys(d["person"] for d in data if d.get("person")))
