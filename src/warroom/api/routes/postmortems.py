"""Postmortems (draft, edit, review, export, chart) and action items."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response

from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.api.paging import CursorParam, paged
from warroom.bootstrap import Container
from warroom.postmortem import actions, render
from warroom.postmortem import service as postmortems
from warroom.postmortem.models import (
    ActionItemCreate,
    ActionItemRead,
    ActionItemUpdate,
    ActionStatus,
    PostmortemCreate,
    PostmortemRead,
    PostmortemStatus,
    PostmortemUpdate,
    RevisionRead,
)
from warroom.postmortem.reminders import overdue_postmortems
from warroom.storage.bounds import RowId

router = APIRouter(prefix="/api/v1", tags=["postmortems"])


def _read(container: Container, incident_id: str) -> PostmortemRead:
    with container.db.read() as session:
        row = postmortems.get(session=session, incident_id=incident_id)
        return PostmortemRead.model_validate(row)


@router.post("/incidents/{incident_id}/postmortem", response_model=PostmortemRead, status_code=201)
def create_postmortem(
    incident_id: str,
    container: ContainerDep,
    who: Responder,
    body: PostmortemCreate | None = None,
) -> PostmortemRead:
    with container.db.session() as session:
        postmortems.create(
            session=session,
            incident_id=incident_id,
            playbook=container.playbook,
            actor=who.actor,
            now=container.clock(),
            template=body.template if body else None,
            playbook_path=container.settings.playbook,
        )
    return _read(container, incident_id)


@router.get("/incidents/{incident_id}/postmortem", response_model=PostmortemRead)
def get_postmortem(incident_id: str, container: ContainerDep, _: Viewer) -> PostmortemRead:
    return _read(container, incident_id)


@router.put("/incidents/{incident_id}/postmortem", response_model=PostmortemRead)
def update_postmortem(
    incident_id: str, body: PostmortemUpdate, container: ContainerDep, who: Responder
) -> PostmortemRead:
    with container.db.session() as session:
        postmortems.update(
            session=session,
            incident_id=incident_id,
            changes=body,
            playbook=container.playbook,
            actor=who.actor,
            now=container.clock(),
        )
    return _read(container, incident_id)


@router.get("/incidents/{incident_id}/postmortem/export")
def export_postmortem(
    incident_id: str,
    container: ContainerDep,
    _: Viewer,
    format: Literal["md", "html"] = Query(default="md"),
    version: RowId | None = Query(default=None),
) -> Response:
    """The stored Markdown, or a standalone HTML page with the chart embedded."""
    with container.db.read() as session:
        if version is None:
            text = postmortems.get(session=session, incident_id=incident_id).markdown
        else:
            text = postmortems.revision(
                session=session, incident_id=incident_id, version=version
            ).markdown
        if format == "md":
            return Response(text, media_type="text/markdown; charset=utf-8")
        png = postmortems.chart_png(
            session=session,
            incident_id=incident_id,
            playbook=container.playbook,
            now=container.clock(),
        )
    page = render.to_html(
        text,
        title=f"Postmortem {incident_id}",
        images={postmortems.chart_name(incident_id): png},
    )
    return Response(page, media_type="text/html; charset=utf-8")


@router.get("/incidents/{incident_id}/postmortem/chart.png")
def chart(incident_id: str, container: ContainerDep, _: Viewer) -> Response:
    with container.db.read() as session:
        png = postmortems.chart_png(
            session=session,
            incident_id=incident_id,
            playbook=container.playbook,
            now=container.clock(),
        )
    return Response(png, media_type="image/png")


@router.get("/incidents/{incident_id}/postmortem/revisions", response_model=list[RevisionRead])
def revisions(incident_id: str, container: ContainerDep, _: Viewer) -> list[Any]:
    with container.db.read() as session:
        return postmortems.revisions(session=session, incident_id=incident_id)


@router.get("/postmortems", response_model=list[PostmortemRead])
def list_postmortems(
    container: ContainerDep,
    _: Viewer,
    status: PostmortemStatus | None = Query(default=None),
) -> list[Any]:
    with container.db.read() as session:
        return postmortems.list_postmortems(session=session, status=status)


@router.get("/postmortems/overdue")
def list_overdue_postmortems(container: ContainerDep, _: Viewer) -> list[dict[str, Any]]:
    """Resolved incidents whose postmortem is past due and not published."""
    with container.db.read() as session:
        found = overdue_postmortems(
            session=session, now=container.clock(), playbook=container.playbook
        )
    return [{"incident_id": r.incident_id, "due_at": r.due_at, "message": r.message} for r in found]


@router.post("/incidents/{incident_id}/actions", response_model=ActionItemRead, status_code=201)
def add_action(
    incident_id: str, body: ActionItemCreate, container: ContainerDep, who: Responder
) -> Any:
    with container.db.session() as session:
        item = actions.add(
            session=session,
            incident_id=incident_id,
            spec=body,
            playbook=container.playbook,
            actor=who.actor,
            now=container.clock(),
        )
        return ActionItemRead.model_validate(item)


@router.get("/actions", response_model=list[ActionItemRead])
def list_actions(
    request: Request,
    response: Response,
    container: ContainerDep,
    _: Viewer,
    incident: str | None = Query(default=None),
    status: list[ActionStatus] | None = Query(default=None),
    owner: str | None = Query(default=None),
    overdue: bool = Query(default=False),
    limit: int = Query(default=1000, ge=1, le=1000),
    cursor: CursorParam = None,
) -> list[Any]:
    """Action items, oldest first; page on with ``cursor``."""
    with container.db.read() as session:
        page = actions.list_items(
            session=session,
            incident_id=incident,
            status=list(status) if status else None,
            owner=owner,
            overdue_at=container.clock() if overdue else None,
            limit=limit,
            cursor=cursor,
        )
        return paged(request, response, page)


@router.patch("/actions/{action_id}", response_model=ActionItemRead)
def update_action(
    action_id: RowId, body: ActionItemUpdate, container: ContainerDep, who: Responder
) -> Any:
    with container.db.session() as session:
        item = actions.update(
            session=session,
            action_id=action_id,
            changes=body,
            actor=who.actor,
            now=container.clock(),
        )
        return ActionItemRead.model_validate(item)
