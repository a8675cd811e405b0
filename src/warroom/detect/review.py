"""The human review queue for low-confidence predictions (the AI photo detector playbook, drift >
0.40)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.detect.models import ReviewItem
from warroom.errors import Conflict, NotFound


def enqueue(
    *,
    session: Session,
    service: str,
    version: str,
    request_id: int,
    features: list[float],
    probability: float,
    prediction: int,
    now: datetime,
) -> ReviewItem:
    """Hold a prediction for a human."""
    item = ReviewItem(
        service=service,
        version=version,
        request_id=str(request_id),
        features=features,
        probability=probability,
        prediction=prediction,
        created_at=now,
    )
    session.add(item)
    return item


def pending(*, session: Session, service: str | None = None, limit: int = 100) -> list[ReviewItem]:
    """Unlabelled items, oldest first."""
    query = select(ReviewItem).where(ReviewItem.label.is_(None))
    if service:
        query = query.where(ReviewItem.service == service)
    return list(session.scalars(query.order_by(ReviewItem.id).limit(limit)))


def label(*, session: Session, item_id: int, value: int, actor: str, now: datetime) -> ReviewItem:
    """Record a human's answer."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(f"review item {item_id} not found")
    if item.label is not None:
        raise Conflict(f"review item {item_id} was already labelled by {item.labelled_by}")
    item.label, item.labelled_by, item.labelled_at = value, actor, now
    audit.record(
        session=session,
        actor=actor,
        action="review.label",
        target=f"review:{item_id}",
        now=now,
        label=value,
    )
    return item
