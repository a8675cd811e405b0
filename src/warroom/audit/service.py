"""Write and read the audit log; writes join the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit.models import AuditEvent
from warroom.storage.bulk import insert_one
from warroom.storage.paging import Key, Page, paginate


def record(
    *, session: Session, actor: str, action: str, target: str, now: datetime, **details: Any
) -> AuditEvent:
    """Add an audit event to the current transaction (the returned row is not attached to
    the session)."""
    values = {"at": now, "actor": actor, "action": action, "target": target, "details": details}
    return AuditEvent(id=insert_one(session, AuditEvent, values), **values)


def list_events(
    *,
    session: Session,
    limit: int = 100,
    action: str | None = None,
    actor: str | None = None,
    target: str | None = None,
    cursor: str | None = None,
) -> Page[AuditEvent]:
    """A page of audit events, newest first, optionally filtered."""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if target:
        query = query.where(AuditEvent.target == target)
    order = (Key(AuditEvent.id),)
    return paginate(session, query, order, list_name="audit", cursor=cursor, limit=limit)
