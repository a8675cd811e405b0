"""Delivery job: send one outbox row, then mark it sent in the job's transaction.

The send happens holding no transaction. If the worker dies after the receiver got the
message but before ``sent`` commits, the job runs again after its lease and sends again with
the same ``Idempotency-Key``: delivery is at least once, and a receiver that honours the key
(or the e-mail Message-ID) shows it exactly once.
"""

from __future__ import annotations

from typing import Any

from warroom.errors import DeliveryError
from warroom.incidents import service as incidents
from warroom.notify.channels.base import Message
from warroom.notify.channels.registry import get_type
from warroom.notify.models import Notification
from warroom.worker.context import JobContext
from warroom.worker.models import Job

ACTOR = "warroom:notify"


def deliver(ctx: JobContext, payload: dict[str, Any]) -> None:
    with ctx.read() as session:
        row = session.get(Notification, payload["notification_id"])
        if row is None or row.status in ("sent", "dead"):
            return
        message = Message(
            key=row.key,
            to=row.target,
            subject=row.subject,
            body=row.body,
            incident_id=row.incident_id,
            data={"person": row.person, "level": row.level, "notification_id": row.id},
        )
        channel_name = row.channel
    config = next((c for c in ctx.container.playbook.channels if c.name == channel_name), None)
    if config is None:
        raise DeliveryError(f"channel {channel_name!r} is not in the playbook")
    channel = get_type(config.type)(config, timeout=ctx.container.settings.notify_timeout)
    channel.send(message)
    row = ctx.session.get(Notification, payload["notification_id"])
    assert row is not None
    if row.status == "sent":
        return
    row.status, row.sent_at, row.updated_at = "sent", ctx.now, ctx.now
    row.attempts += 1
    row.next_attempt_at, row.last_error = None, None
    _record(ctx, row, "sent", None)


def delivery_failed(ctx: JobContext, payload: dict[str, Any], error: str, final: bool) -> None:
    row = ctx.session.get(Notification, payload["notification_id"])
    if row is None or row.status == "sent":
        return
    job = ctx.session.get(Job, ctx.job.id)
    row.attempts += 1
    row.status = "dead" if final else "failed"
    row.last_error = error
    row.next_attempt_at = None if final or job is None else job.due_at
    row.updated_at = ctx.now
    _record(ctx, row, row.status, error)


def _record(ctx: JobContext, row: Notification, status: str, error: str | None) -> None:
    if row.incident_id is None:
        return
    text = {"sent": "delivered", "failed": "failed (will retry)", "dead": "gave up"}[status]
    who = f" to {row.person}" if row.person else ""
    incidents.add_event(
        session=ctx.session,
        incident_id=row.incident_id,
        kind="notification",
        actor=ACTOR,
        message=f"Notification {row.id}{who} via {row.channel} {text}"
        + (f": {error}" if error else ""),
        now=ctx.now,
        data={"notification_id": row.id, "status": status, "error": error},
    )
