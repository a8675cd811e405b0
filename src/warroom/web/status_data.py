"""Read the public status page's content from the database (drills and internal updates never).

Components are the model services marked public (``warroom service public NAME``); a new
service is not, so test and internal models never appear by accident. An incident on any
other service appears (and
counts towards the page's overall state) once someone posts a public update on it: posting
publicly is the explicit choice to tell customers. Incident titles, severities, notes and
internal updates stay internal; the page shows the component, the impact and the public
updates' text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warroom.deploy import registry
from warroom.incidents.lifecycle import OPEN_STATES
from warroom.incidents.models import Incident
from warroom.updates.models import IncidentUpdate
from warroom.web import statuspage as sp


@dataclass
class PublicUpdate:
    id: int
    status: str
    message: str
    posted_at: datetime


@dataclass
class PublicIncident:
    id: str
    component: str
    impact: str
    status: str
    started_at: datetime
    resolved_at: datetime | None
    updates: list[PublicUpdate] = field(default_factory=list)


@dataclass
class Component:
    name: str
    description: str
    state: str
    history: list[tuple[Any, str]]


@dataclass
class StatusPage:
    generated_at: datetime
    state: str
    components: list[Component]
    incidents: list[PublicIncident]

    @property
    def active(self) -> list[PublicIncident]:
        return [i for i in self.incidents if i.resolved_at is None]

    @property
    def past(self) -> list[PublicIncident]:
        return [i for i in self.incidents if i.resolved_at is not None]


def _facts(row: Incident) -> sp.IncidentFacts:
    return sp.IncidentFacts(row.service, row.severity, row.status, row.started_at, row.resolved_at)


def _public_incidents(
    session: Session, since: datetime
) -> tuple[list[PublicIncident], list[Incident]]:
    rows = session.execute(
        select(IncidentUpdate, Incident)
        .join(Incident, Incident.id == IncidentUpdate.incident_id)
        .where(IncidentUpdate.public.is_(True), IncidentUpdate.posted_at >= since)
        .order_by(IncidentUpdate.posted_at.desc(), IncidentUpdate.id.desc())
    ).all()
    found: dict[str, PublicIncident] = {}
    incidents: list[Incident] = []
    for update, incident in rows:
        if sp.is_drill(incident.labels):
            continue
        entry = found.get(incident.id)
        if entry is None:
            entry = found[incident.id] = PublicIncident(
                id=incident.id,
                component=incident.service or "Other",
                impact=sp.incident_impact(incident.severity, incident.status),
                # The newest public word, unless people have since resolved it.
                status="resolved" if incident.resolved_at else update.status,
                started_at=incident.started_at,
                resolved_at=incident.resolved_at,
            )
            incidents.append(incident)
        entry.updates.append(
            PublicUpdate(update.id, update.status, update.message, update.posted_at)
        )
    return list(found.values()), incidents


def build(*, session: Session, now: datetime, days: int = sp.HISTORY_DAYS) -> StatusPage:
    """The status page as of ``now``: component states, public incidents of the last ``days``."""
    since = now - timedelta(days=days)
    services = [s for s in registry.list_services(session=session) if s.public]
    names = [s.name for s in services]
    burning = [
        r
        for r in session.scalars(
            select(Incident).where(
                Incident.service.in_(names),
                or_(Incident.status.in_(OPEN_STATES), Incident.resolved_at >= since),
            )
        )
        if not sp.is_drill(r.labels)
    ]
    facts = [_facts(r) for r in burning]
    states = sp.component_states(names, facts)
    components = [
        Component(
            name=s.name,
            description=s.description,
            state=states[s.name],
            history=sp.daily_history(
                [f for f in facts if f.service == s.name], today=now.date(), now=now, days=days
            ),
        )
        for s in services
    ]
    public, public_rows = _public_incidents(session, since)
    open_public = [
        sp.incident_impact(r.severity, r.status)
        for r in public_rows
        if r.service not in names and r.status in OPEN_STATES
    ]
    overall = sp.worst([c.state for c in components] + open_public)
    return StatusPage(generated_at=now, state=overall, components=components, incidents=public)


def as_json(page: StatusPage) -> dict[str, Any]:
    """The ``/status.json`` document."""
    return {
        "generated_at": page.generated_at.isoformat(),
        "status": page.state,
        "description": sp.SUMMARY[page.state],
        "components": [
            {"name": c.name, "description": c.description, "status": c.state}
            for c in page.components
        ],
        "incidents": [
            {
                "id": i.id,
                "component": i.component,
                "impact": i.impact,
                "status": i.status,
                "started_at": i.started_at.isoformat(),
                "resolved_at": i.resolved_at.isoformat() if i.resolved_at else None,
                "updates": [
                    {"status": u.status, "message": u.message, "posted_at": u.posted_at.isoformat()}
                    for u in i.updates
                ],
            }
            for i in page.incidents
        ],
    }
