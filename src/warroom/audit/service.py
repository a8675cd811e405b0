"""Write and read the audit log; writes join the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit.models import AuditEvent
from warroom.storage import later
from warroom.storage.bulk import insert_one
from warroom.storage.paging import Key, Page, paginate


def record(
    *, session: Session, actor: str, action: str, target: str, now: datetime, **details: Any
) -> AuditEvent:
    """Add an audit event to the current transaction (the returned row is not attached to
    the session)."""
    values = {"at": now, "actor": actor, "action": action, "target": target, "details": details}
    later.write(session)  # the events queued before this one keep the smaller ids
    return AuditEvent(id=insert_one(session, AuditEvent, values), **values)


def record_later(
    *, session: Session, actor: str, action: str, target: str, now: datetime, **details: Any
) -> None:
    """Add an audit event whose id the caller does not need: queued and written with the
    transaction's other queued records in one statement (:mod:`warroom.storage.later`)."""
    values = {"at": now, "actor": actor, "action": action, "target": target, "details": details}
    later.insert_later(session, AuditEvent, values)


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
