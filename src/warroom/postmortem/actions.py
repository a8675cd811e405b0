"""Action items: follow-up work linked to an incident and rendered in its postmortem."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.errors import InvalidInput, NotFound
from warroom.incidents import service as incidents
from warroom.playbook.schema import Playbook
from warroom.postmortem import service as postmortems
from warroom.postmortem.models import (
    ACTION_STATUSES,
    CLOSED_ACTIONS,
    ActionItem,
    ActionItemCreate,
    ActionItemUpdate,
)
from warroom.storage.paging import MAX_LIMIT, Key, Page, paginate


def add(
    *,
    session: Session,
    incident_id: str,
    spec: ActionItemCreate,
    playbook: Playbook,
    actor: str,
    now: datetime,
) -> ActionItem:
    """Add an action item to an incident (due by default after the playbook's delay)."""
    incidents.get(session=session, incident_id=incident_id)
    item = ActionItem(
        incident_id=incident_id,
        title=spec.title,
        owner=spec.owner,
        priority=spec.priority,
        due_at=spec.due_at or now + playbook.postmortem.action_due_after,
        status="open",
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    _record(session, item, actor, now, f"Action item {item.id} added: {item.title}", "add")
    return item


def get(*, session: Session, action_id: int) -> ActionItem:
    """One action item, or NotFound."""
    item = session.get(ActionItem, action_id)
    if item is None:
        raise NotFound(f"action item {action_id} not found")
    return item


def update(
    *, session: Session, action_id: int, changes: ActionItemUpdate, actor: str, now: datetime
) -> ActionItem:
    """Change an item's fields or status; done/wont_do stamp completed_at."""
    item = get(session=session, action_id=action_id)
    fields = changes.model_dump(exclude_unset=True)
    if not fields:
        raise InvalidInput("nothing to change: give a title, owner, priority, due_at or status")
    for key, value in fields.items():
        if key == "status" and value not in ACTION_STATUSES:
            raise InvalidInput(f"unknown action status {value!r}")
        setattr(item, key, value)
    if "status" in fields:
        item.completed_at = now if item.status in CLOSED_ACTIONS else None
    item.updated_at = now
    summary = ", ".join(f"{k}={v}" for k, v in fields.items())
    _record(session, item, actor, now, f"Action item {item.id} updated: {summary}", "update")
    return item


def list_items(
    *,
    session: Session,
    incident_id: str | None = None,
    status: list[str] | None = None,
    owner: str | None = None,
    overdue_at: datetime | None = None,
    limit: int = MAX_LIMIT,
    cursor: str | None = None,
) -> Page[ActionItem]:
    """A page of action items, oldest first; ``overdue_at`` keeps those overdue then."""
    query = select(ActionItem)
    if incident_id:
        query = query.where(ActionItem.incident_id == incident_id)
    if status:
        query = query.where(ActionItem.status.in_(status))
    if owner:
        query = query.where(ActionItem.owner == owner)
    if overdue_at is not None:
        # The SQL form of deadlines.action_overdue, so that a page holds only overdue items.
        query = query.where(
            ActionItem.due_at.is_not(None),
            ActionItem.due_at < overdue_at,
            ActionItem.status.in_(("open", "in_progress")),
        )
    order = (Key(ActionItem.id, descending=False),)
    return paginate(session, query, order, list_name="actions", cursor=cursor, limit=limit)


def _record(
    session: Session, item: ActionItem, actor: str, now: datetime, text: str, verb: str
) -> None:
    incidents.add_event(
        session=session,
        incident_id=item.incident_id,
        kind="action_item",
        actor=actor,
        message=text,
        now=now,
        data={"action_id": item.id, "status": item.status, "owner": item.owner},
    )
    audit.record(
        session=session,
        actor=actor,
        action=f"action.{verb}",
        target=item.incident_id,
        now=now,
        action_id=item.id,
        title=item.title,
        status=item.status,
    )
    postmortems.refresh_actions(session=session, incident_id=item.incident_id, actor=actor, now=now)
