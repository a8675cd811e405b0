"""Read-side queries the console pages need (the API's services do every write)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.chat import service as chat
from warroom.chat.models import ChatRoomRead
from warroom.deploy import registry, target
from warroom.deploy.models import FINAL_STATES, ModelService, ModelVersion, Rollback
from warroom.guide import service as guide
from warroom.guide.models import DiagnosticResult
from warroom.incidents import service as incidents
from warroom.incidents.lifecycle import OPEN_STATES
from warroom.incidents.models import Incident, IncidentRole
from warroom.notify import service as outbox
from warroom.notify.models import Notification
from warroom.playbook.runbook import Runbook
from warroom.postmortem.models import Postmortem
from warroom.releases import service as releases
from warroom.releases.models import Release
from warroom.rollback import service as rollbacks
from warroom.samples import service as samples
from warroom.storage.paging import Page, paginate_segments
from warroom.tasks import service as tasks
from warroom.tasks.models import IncidentTask
from warroom.updates import service as updates
from warroom.updates.models import IncidentUpdate


@dataclass(frozen=True)
class Filters:
    status: str = ""
    severity: str = ""
    service: str = ""
    team: str = ""

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


@dataclass
class IncidentRow:
    incident: Incident
    on_it: list[str]


#: Incidents on one page of the console's list.
PAGE_SIZE = 50


def list_incidents(
    *, session: Session, filters: Filters, cursor: str | None = None, limit: int = PAGE_SIZE
) -> Page[IncidentRow]:
    """A page of incidents for the list page: open first, newest first, with who holds a
    role (the same order and cursors as the API's list)."""
    query = select(Incident)
    if filters.status == "open":
        query = query.where(Incident.status.in_(OPEN_STATES))
    elif filters.status:
        query = query.where(Incident.status == filters.status)
    if filters.severity:
        query = query.where(Incident.severity == filters.severity)
    if filters.service:
        query = query.where(Incident.service == filters.service)
    if filters.team:
        query = query.where(Incident.team == filters.team)
    rows = paginate_segments(
        session,
        query,
        incidents.OPEN_FIRST,
        incidents.NEWEST_FIRST,
        list_name="incidents",
        cursor=cursor,
        limit=limit,
    )
    holders: dict[str, list[str]] = defaultdict(list)
    if rows:
        for role in session.scalars(
            select(IncidentRole)
            .where(
                IncidentRole.incident_id.in_([r.id for r in rows]),
                IncidentRole.renounced_at.is_(None),
            )
            .order_by(IncidentRole.id)
        ):
            if role.person not in holders[role.incident_id]:
                holders[role.incident_id].append(role.person)
    page = Page((IncidentRow(r, holders[r.id]) for r in rows), rows.next_cursor)
    page.previous_cursor = rows.previous_cursor
    return page


#: The filter menus offer the services and teams of this many newest incidents (and the
#: value filtered on), so that the list page costs the same with any history: a menu of
#: thousands of services cost more to build and send than the list itself.
CHOICES_FROM = 200


def filter_choices(*, session: Session, filters: Filters | None = None) -> dict[str, list[str]]:
    """The services and teams recent incidents were filed under, for the filter menus."""
    newest = (
        select(Incident.service, Incident.team)
        .order_by(Incident.detected_at.desc(), Incident.id.desc())
        .limit(CHOICES_FROM)
        .subquery()
    )
    services: set[str] = set()
    teams: set[str] = set()
    for service, team in session.execute(select(newest.c.service, newest.c.team).distinct()):
        services.update([service] if service else [])
        teams.update([team] if team else [])
    if filters is not None:
        services.update([filters.service] if filters.service else [])
        teams.update([filters.team] if filters.team else [])
    return {"services": sorted(services), "teams": sorted(teams)}


@dataclass
class IncidentPage:
    incident: Incident
    alerts: list[Alert]
    updates: list[IncidentUpdate]
    notifications: list[Notification]
    rollbacks: list[Rollback]
    postmortem: Postmortem | None
    services: list[str]
    tasks: list[IncidentTask]
    runbook: Runbook | None
    diagnostics: list[DiagnosticResult]
    chat_room: ChatRoomRead | None = None


def incident_page(
    *, session: Session, incident_id: str, runbooks: Sequence[Runbook]
) -> IncidentPage:
    """Everything the incident page shows (NotFound when there is no such incident)."""
    incident, alerts = incidents.get_detail(session=session, incident_id=incident_id)
    _, _, runbook = guide.runbook_for(session=session, incident_id=incident_id, runbooks=runbooks)
    return IncidentPage(
        incident=incident,
        alerts=alerts,
        updates=updates.list_updates(session=session, incident_id=incident_id),
        notifications=outbox.list_notifications(session=session, incident_id=incident_id),
        rollbacks=list(
            session.scalars(
                select(Rollback)
                .where(Rollback.incident_id == incident_id)
                .order_by(Rollback.id.desc())
            )
        ),
        postmortem=session.scalars(
            select(Postmortem).where(Postmortem.incident_id == incident_id)
        ).first(),
        services=[s.name for s in registry.list_services(session=session)],
        tasks=tasks.list_tasks(session=session, incident_id=incident_id),
        runbook=runbook,
        diagnostics=guide.results(session=session, incident_id=incident_id),
        chat_room=chat.read(room)
        if (room := chat.room(session=session, incident_id=incident_id))
        else None,
    )


@dataclass
class ServiceView:
    service: ModelService
    versions: list[ModelVersion]
    weights: dict[str, float]
    stable_target: str | None
    why_no_target: list[str]
    open_incidents: list[Incident]
    rollbacks: list[Rollback] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    #: Per version: inputs its model refused over the last 24 h (clients' mistakes).
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def health(self) -> str:
        if any(r.state not in FINAL_STATES for r in self.rollbacks):
            return "rolling back"
        if self.open_incidents:
            return "incident open"
        return "degraded (fallback)" if self.service.degraded else "healthy"


def services_page(*, session: Session, now: datetime, stable_after: timedelta) -> list[ServiceView]:
    """Every model service with versions, weights, rollback target and recent rollbacks."""
    out = []
    for svc in registry.list_services(session=session):
        rows = registry.versions(session=session, service=svc.name)
        chosen, skipped = target.choose(registry.facts(rows), now=now, stable_after=stable_after)
        open_rows = session.scalars(
            select(Incident)
            .where(Incident.service == svc.name, Incident.status.in_(OPEN_STATES))
            .order_by(Incident.detected_at.desc())
        )
        out.append(
            ServiceView(
                service=svc,
                versions=rows,
                weights=registry.weights_of(rows),
                stable_target=chosen.version if chosen else None,
                why_no_target=skipped,
                open_incidents=list(open_rows),
                rollbacks=rollbacks.history(session=session, service=svc.name, limit=10),
                releases=releases.history(session=session, service=svc.name, limit=10),
                rejected=samples.rejected_inputs(session=session, service=svc.name, end=now),
            )
        )
    return out


def rollback_plan(
    *, session: Session, incident: Incident, service: str, now: datetime, stable_after: timedelta
) -> dict[str, Any]:
    """The dry-run plan shown before someone confirms a rollback (away from the version the
    incident is about, when it names one)."""
    return rollbacks.plan(
        session=session,
        service=service,
        to_version=None,
        stable_after=stable_after,
        now=now,
        reported=rollbacks.reported_version(session=session, incident=incident),
    )
