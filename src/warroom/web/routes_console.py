"""Console pages (every signed-in role may look; forms appear only for responders and admins)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Query, Request, Response

from warroom.errors import WarroomError
from warroom.incidents import service as incidents
from warroom.incidents.lifecycle import ORDER
from warroom.incidents.models import Role, SeverityStr
from warroom.oncall.schedules import on_call
from warroom.postmortem import render as pm_render
from warroom.postmortem import service as postmortems
from warroom.updates.models import UpdateStatus
from warroom.web import queries, reports_view
from warroom.web.auth import Denied, User, container_of, web_state
from warroom.web.handoffs import next_handoffs
from warroom.web.render import SECURITY_HEADERS, page, redirect

router = APIRouter(include_in_schema=False)
SEVERITIES = list(SeverityStr.__args__)  # type: ignore[attr-defined]
ROLES = list(Role.__args__)  # type: ignore[attr-defined]
UPDATE_STATUSES = list(UpdateStatus.__args__)  # type: ignore[attr-defined]


def _render(request: Request, user: User, name: str, **context: Any) -> Response:
    container = container_of(request)
    state = web_state(request)
    base = {
        "user": user,
        "now": container.clock(),
        "refresh": state.refresh_seconds,
        "severities": SEVERITIES,
        "statuses": list(ORDER),
    }
    return page(state.templates, request, name, {**base, **context})


def _filters(status: str, severity: str, service: str, team: str) -> queries.Filters:
    if status not in ("", "open", *ORDER):
        raise Denied(422, f"status {status!r}: expected open or one of {', '.join(ORDER)}")
    if severity not in ("", *SEVERITIES):
        raise Denied(422, f"severity {severity!r}: expected one of {', '.join(SEVERITIES)}")
    return queries.Filters(status=status, severity=severity, service=service, team=team)


@router.get("/")
def incidents_page(
    request: Request,
    user: User,
    status: str = "",
    severity: str = "",
    service: str = "",
    team: str = "",
    cursor: str = Query(default="", max_length=2000),
) -> Response:
    filters = _filters(status, severity, service, team)
    with as_page(), container_of(request).db.read() as session:
        rows = queries.list_incidents(session=session, filters=filters, cursor=cursor or None)
        choices = queries.filter_choices(session=session, filters=filters)
        return _render(
            request,
            user,
            "incidents.html",
            rows=rows,
            filters=filters,
            choices=choices,
            cursor=cursor,
        )


@router.get("/fragments/incidents")
def incidents_fragment(
    request: Request,
    user: User,
    status: str = "",
    severity: str = "",
    service: str = "",
    team: str = "",
    cursor: str = Query(default="", max_length=2000),
) -> Response:
    """The rows of the page shown, polled by console.js so new incidents appear without a
    reload."""
    filters = _filters(status, severity, service, team)
    with as_page(), container_of(request).db.read() as session:
        rows = queries.list_incidents(session=session, filters=filters, cursor=cursor or None)
        return _render(request, user, "_incident_rows.html", rows=rows)


@contextmanager
def as_page() -> Iterator[None]:
    """Errors (no such incident, no postmortem yet) as an HTML page instead of API JSON."""
    try:
        yield
    except WarroomError as exc:
        raise Denied(None, str(exc), error=exc) from exc


def _incident(request: Request, user: User, name: str, incident_id: str) -> Response:
    with as_page(), container_of(request).db.read() as session:
        data = queries.incident_page(
            session=session, incident_id=incident_id, runbooks=container_of(request).runbooks
        )
        return _render(
            request,
            user,
            name,
            data=data,
            roles=ROLES,
            update_statuses=UPDATE_STATUSES,
            people=[p.name for p in container_of(request).playbook.oncall.people],
        )


@router.get("/incidents/{incident_id}")
def incident_page(incident_id: str, request: Request, user: User) -> Response:
    return _incident(request, user, "incident.html", incident_id)


@router.get("/fragments/incidents/{incident_id}/timeline")
def timeline_fragment(incident_id: str, request: Request, user: User) -> Response:
    return _incident(request, user, "_timeline.html", incident_id)


@router.get("/incidents/{incident_id}/rollback")
def rollback_plan(
    incident_id: str, request: Request, user: User, service: str = Query(min_length=1)
) -> Response:
    """The dry-run plan, with the button that confirms it."""
    if not user.can_act:
        raise Denied(403, f"token {user.name!r} is {user.role}: viewers cannot roll back")
    container = container_of(request)
    try:
        with container.db.read() as session:
            incident = incidents.get(session=session, incident_id=incident_id)
            plan = queries.rollback_plan(
                session=session,
                incident=incident,
                service=service,
                now=container.clock(),
                stable_after=container.playbook.rollback.stable_after,
            )
    except WarroomError as exc:  # no such service, no safe target: say so on the incident
        return redirect(f"/incidents/{incident_id}", flash=str(exc), error=True)
    return _render(request, user, "rollback.html", incident_id=incident_id, plan=plan)


@router.get("/incidents/{incident_id}/postmortem")
def postmortem_page(incident_id: str, request: Request, user: User) -> Response:
    """The postmortem as the export renders it (chart included)."""
    container = container_of(request)
    with as_page(), container.db.read() as session:
        text = postmortems.get(session=session, incident_id=incident_id).markdown
        png = postmortems.chart_png(
            session=session,
            incident_id=incident_id,
            playbook=container.playbook,
            now=container.clock(),
        )
    html = pm_render.to_html(
        text, title=f"Postmortem {incident_id}", images={postmortems.chart_name(incident_id): png}
    )
    headers = {**SECURITY_HEADERS}
    # The exported page carries its own inline stylesheet.
    headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/services")
def services_page(request: Request, user: User) -> Response:
    container = container_of(request)
    with container.db.read() as session:
        views = queries.services_page(
            session=session,
            now=container.clock(),
            stable_after=container.playbook.rollback.stable_after,
        )
        return _render(request, user, "services.html", services=views)


@router.get("/oncall")
def oncall_page(request: Request, user: User) -> Response:
    container = container_of(request)
    now = container.clock()
    oncall = container.playbook.oncall
    teams = []
    for team in oncall.teams:
        rows = []
        for role, name in team.oncall.items():
            schedule = oncall.schedule(name)
            rows.append(
                {
                    "role": role,
                    "schedule": name,
                    "person": on_call(schedule, now) if schedule else None,
                    "next": next_handoffs(schedule, now) if schedule else [],
                }
            )
        teams.append({"name": team.name, "rows": rows})
    return _render(request, user, "oncall.html", teams=teams)


@router.get("/reports")
def reports_page(
    request: Request, user: User, days: int = Query(default=90, ge=7, le=730)
) -> Response:
    container = container_of(request)
    with container.db.read() as session:
        view = reports_view.build(session=session, now=container.clock(), days=days)
    return _render(request, user, "reports.html", report=view)
