"""The audit log, read-only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response

from warroom.api.deps import Admin, ContainerDep
from warroom.api.paging import CursorParam, paged
from warroom.audit import service
from warroom.audit.models import AuditEventRead

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditEventRead])
def list_audit(
    request: Request,
    response: Response,
    container: ContainerDep,
    _: Admin,
    action: str | None = None,
    actor: str | None = None,
    target: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    cursor: CursorParam = None,
) -> list[Any]:
    """Audit events, newest first; page on with ``cursor``."""
    with container.db.read() as session:
        page = service.list_events(
            session=session, limit=limit, action=action, actor=actor, target=target, cursor=cursor
        )
        return paged(request, response, page)
