"""Background jobs, the notification outbox and the intake log: list, retry a dead job or a
failed intake log row."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response

from warroom.api.deps import Admin, ContainerDep, Viewer
from warroom.api.paging import CursorParam, paged
from warroom.audit import service as audit
from warroom.intake import log as intake_log
from warroom.jobs import service
from warroom.jobs.models import JobRead
from warroom.notify import service as outbox
from warroom.notify.models import NotificationRead
from warroom.storage.bounds import RowId
from warroom.storage.paging import Page

router = APIRouter(prefix="/api/v1", tags=["jobs"])


@router.get("/jobs", response_model=list[JobRead])
def list_jobs(
    request: Request,
    response: Response,
    container: ContainerDep,
    _: Viewer,
    status: Literal["pending", "running", "done", "dead"] | None = None,
    kind: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    cursor: CursorParam = None,
) -> list[JobRead]:
    """Jobs, newest first; page on with ``cursor``."""
    with container.db.read() as session:
        rows = service.list_jobs(
            session=session, status=status, kind=kind, limit=limit, cursor=cursor
        )
        page = Page([JobRead.model_validate(r) for r in rows], rows.next_cursor)
        return paged(request, response, page)


@router.post("/jobs/{job_id}/retry", response_model=JobRead)
def retry_job(job_id: RowId, container: ContainerDep, who: Admin) -> JobRead:
    now = container.clock()
    with container.db.session() as session:
        job = service.retry(session=session, job_id=job_id, now=now)
        audit.record(
            session=session, actor=who.actor, action="job.retry", target=str(job_id), now=now
        )
        return JobRead.model_validate(job)


@router.post("/intake-log/{entry_id}/retry")
def retry_intake(entry_id: RowId, container: ContainerDep, who: Admin) -> dict[str, object]:
    """Queue a failed intake log row again (``GET /api/v1/health`` lists them with their
    error), once what made it fail is fixed."""
    now = container.clock()
    with container.db.session() as session:
        intake_log.retry(session=session, entry_id=entry_id)
        audit.record(
            session=session,
            actor=who.actor,
            action="intake.retry",
            target=f"intake_log:{entry_id}",
            now=now,
        )
    return {"id": entry_id, "state": "queued"}


@router.get("/notifications", response_model=list[NotificationRead])
def list_notifications(
    request: Request,
    response: Response,
    container: ContainerDep,
    _: Viewer,
    incident_id: str | None = None,
    status: Literal["pending", "sending", "sent", "failed", "dead"] | None = None,
    limit: int = Query(100, ge=1, le=1000),
    cursor: CursorParam = None,
) -> list[NotificationRead]:
    """Notifications, newest first; page on with ``cursor``."""
    with container.db.read() as session:
        rows = outbox.list_notifications(
            session=session, incident_id=incident_id, status=status, limit=limit, cursor=cursor
        )
        page = Page([NotificationRead.model_validate(r) for r in rows], rows.next_cursor)
        return paged(request, response, page)
