"""Delivery job: claim one outbox row, send it holding no transaction, mark it sent.

The guarantee, precisely (docs in the README, "Delivery guarantee"):

1. The job is claimed under a lease, so one worker at a time runs it; the send's timeout is
   at most half the lease, so a live worker always finishes sending before anyone else may
   take the job over.
2. Before the outside call, the row is marked ``sending`` (attempt n) in a committed
   transaction fenced by the job's claim token.
3. After the call, ``sent`` is committed on its own, only if the row is still ``sending``
   at attempt n, so a worker that lost its lease cannot overwrite a newer attempt.

So a notification reaches its receiver exactly once, with one exception: a worker killed
(or frozen past its lease) *during* the outside call. The next worker finds the row still
``sending``, cannot know whether the receiver got it, and sends again (a missed page is worse
than a repeated one) with the same ``Idempotency-Key``, writing ``interrupted`` on the
timeline. That in-flight row is the only one a receiver can see twice, and the key tells it so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session

from warroom.errors import DeliveryError
from warroom.incidents import service as incidents
from warroom.jobs.context import JobContext, JobInfo
from warroom.jobs.models import Job
from warroom.notify.channels.base import Message
from warroom.notify.channels.registry import get_type
from warroom.notify.models import Notification
from warroom.playbook.oncall import ChannelConfig

ACTOR = "warroom:notify"
#: How a claimed message leaves: ``(ctx, channel config, message, timeout)``; raises on failure.
Send = Callable[[JobContext, ChannelConfig, Message, float], None]


@dataclass(frozen=True)
class Claimed:
    message: Message
    channel: str
    attempt: int


def send_on_channel(
    ctx: JobContext, config: ChannelConfig, message: Message, timeout: float
) -> None:
    """Send through the playbook channel's own type (webhook, e-mail, Slack webhook...)."""
    get_type(config.type)(config, timeout=timeout).send(message)


def deliver(ctx: JobContext, payload: dict[str, Any], send: Send = send_on_channel) -> None:
    """Deliver one notification; ``send`` lets a use case route some messages elsewhere
    (pages to chat users go through the chat bot, with buttons) under the same guarantee."""
    claimed = _claim(ctx, payload["notification_id"])
    if claimed is None:
        return
    config = next((c for c in ctx.playbook.channels if c.name == claimed.channel), None)
    if config is None:
        raise DeliveryError(f"channel {claimed.channel!r} is not in the playbook")
    settings = ctx.settings
    timeout = min(settings.notify_timeout, settings.job_lease / 2)
    send(ctx, config, claimed.message, timeout)
    with ctx.db.session() as session:
        _mark_sent(session, payload["notification_id"], claimed.attempt, ctx.now)


def _claim(ctx: JobContext, notification_id: int) -> Claimed | None:
    """Mark the row ``sending`` (committed) while this worker still holds the job."""
    with ctx.db.session() as session:
        return claim_in(session, ctx.job, notification_id, ctx.now)


def claim_in(session: Session, job: JobInfo, notification_id: int, now: datetime) -> Claimed | None:
    """Mark the row ``sending`` in the caller's transaction, which must commit before the
    send; None when there is nothing to send (already sent, given up, gone)."""
    held = session.get(Job, job.id)
    if held is None or held.claim_token != job.claim_token or held.status != "running":
        raise DeliveryError(f"job {job.id} was claimed by another worker")
    row = session.get(Notification, notification_id, with_for_update=True)
    if row is None or row.status in ("sent", "dead"):
        return None
    if row.status == "sending":  # its worker stopped mid-send: unknown whether it arrived
        _record(session, row, "interrupted", None, now)
    row.status, row.updated_at = "sending", now
    row.attempts += 1
    return Claimed(message=_message(row), channel=row.channel, attempt=row.attempts)


def claim_queued(
    session: Session, rows: Sequence[Notification], now: datetime
) -> dict[int, Claimed]:
    """Mark rows queued in this very transaction ``sending``, in one statement, by id; the
    caller holds their delivery jobs (claimed in the same transaction) and sends them after
    it commits. A row no longer pending (undone by a savepoint, say) is left out."""
    if not rows:
        return {}
    by_id = {row.id: row for row in rows}
    marked = session.execute(_MARK_SENDING, {"ids": list(by_id), "now": now})
    return {
        id_: Claimed(message=_message(by_id[id_]), channel=by_id[id_].channel, attempt=attempt)
        for id_, attempt in marked.all()
    }


_ROWS = cast(Table, Notification.__table__)
# Built once: building the statement costs more than SQLite takes to run it.
_MARK_SENDING = (
    update(_ROWS)
    .where(_ROWS.c.id.in_(bindparam("ids", expanding=True)), _ROWS.c.status == "pending")
    .values(status="sending", attempts=_ROWS.c.attempts + 1, updated_at=bindparam("now"))
    .returning(_ROWS.c.id, _ROWS.c.attempts)
)


def _message(row: Notification) -> Message:
    return Message(
        key=row.key,
        to=row.target,
        subject=row.subject,
        body=row.body,
        incident_id=row.incident_id,
        data={"person": row.person, "level": row.level, "notification_id": row.id},
    )


def mark_all_sent(session: Session, sent: Sequence[tuple[int, int]], now: datetime) -> None:
    """Record the sends of a batch of (notification id, attempt), each only if its row is still
    at that attempt (no newer worker took it): one statement per attempt number (a storm's
    pages are all at their first), each row recorded on its timeline."""
    attempts: dict[int, list[int]] = {}
    for notification_id, attempt in sent:
        attempts.setdefault(attempt, []).append(notification_id)
    for attempt, ids in attempts.items():
        marked = session.execute(_MARK_ALL_SENT, {"ids": ids, "attempt": attempt, "at": now}).all()
        for row in sorted(marked, key=lambda r: r.id):
            _record(session, cast(Notification, row), "sent", None, now)


_MARK_ALL_SENT = (
    update(_ROWS)
    .where(
        _ROWS.c.id.in_(bindparam("ids", expanding=True)),
        _ROWS.c.status == "sending",
        _ROWS.c.attempts == bindparam("attempt"),
    )
    .values(
        status="sent",
        sent_at=bindparam("at"),
        updated_at=bindparam("at"),
        next_attempt_at=None,
        last_error=None,
    )
    .returning(
        _ROWS.c.id,
        _ROWS.c.incident_id,
        _ROWS.c.person,
        _ROWS.c.channel,
    )
)


def _mark_sent(session: Session, notification_id: int, attempt: int, now: datetime) -> None:
    result = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == "sending",
            Notification.attempts == attempt,
        )
        .values(status="sent", sent_at=now, updated_at=now, next_attempt_at=None, last_error=None)
    )
    if getattr(result, "rowcount", 0):
        row = session.get_one(Notification, notification_id)
        _record(session, row, "sent", None, now)


def delivery_failed(ctx: JobContext, payload: dict[str, Any], error: str, final: bool) -> None:
    row = ctx.session.get(Notification, payload["notification_id"])
    if row is None or row.status in ("sent", "dead"):
        return
    job = ctx.session.get(Job, ctx.job.id)
    if row.status != "sending":  # failed before it was claimed (no send was tried)
        row.attempts += 1
    row.status = "dead" if final else "failed"
    row.last_error = error
    row.next_attempt_at = None if final or job is None else job.due_at
    row.updated_at = ctx.now
    _record(ctx.session, row, row.status, error, ctx.now)


_TEXT = {
    "sent": "delivered",
    "failed": "failed (will retry)",
    "dead": "gave up",
    "interrupted": "interrupted mid-send (its worker stopped); sending again, same key",
}


def _record(
    session: Session, row: Notification, status: str, error: str | None, now: datetime
) -> None:
    if row.incident_id is None:
        return
    who = f" to {row.person}" if row.person else ""
    incidents.add_event_later(
        session=session,
        incident_id=row.incident_id,
        kind="notification",
        actor=ACTOR,
        message=f"Notification {row.id}{who} via {row.channel} {_TEXT[status]}"
        + (f": {error}" if error else ""),
        now=now,
        data={"notification_id": row.id, "status": status, "error": error},
    )
