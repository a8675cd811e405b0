"""Post a message exactly once, whatever happens to the worker posting it.

The message row (with its key and the job attempt that owns it) is committed before the
platform call and the message id right after it. A retry of the same job that finds the row
without an id asks the platform whether the message arrived (warroom tags every message
with its key) before posting it again.
"""

from __future__ import annotations

from sqlalchemy import update

from warroom.chat import service as chat
from warroom.chat.base import ChatPlatform, Post
from warroom.chat.models import ChatMessage, ChatRoom
from warroom.jobs.context import JobContext


def owner(ctx: JobContext) -> str:
    return f"job:{ctx.job.id}"


def post_once(
    ctx: JobContext,
    platform: ChatPlatform,
    *,
    channel: str,
    post: Post,
    incident_id: str | None,
) -> str | None:
    """The message's id once posted; None when another job owns the key (it posts it)."""
    with ctx.db.session() as session:
        row, new = chat.claim_message(
            session=session,
            key=post.key,
            incident_id=incident_id,
            channel_id=channel,
            text=post.text,
            owner=owner(ctx),
            now=ctx.now,
        )
        ts, started, mine = row.ts, row.started_at, row.owner == owner(ctx)
    if ts:
        return ts
    if not new:
        if not mine:
            return None
        found = platform.find_message(channel, post.key, since=started)
        if found:
            _store(ctx, post.key, found)
            return found
    ts = platform.post(channel, post)
    _store(ctx, post.key, ts)
    return ts


def _store(ctx: JobContext, key: str, ts: str) -> None:
    with ctx.db.session() as session:
        session.execute(
            update(ChatMessage).where(ChatMessage.key == key).values(ts=ts, posted_at=ctx.now)
        )


def save_room(ctx: JobContext, incident_id: str, **values: object) -> None:
    """Store what the platform just did to the room (its own short transaction)."""
    with ctx.db.session() as session:
        session.execute(
            update(ChatRoom).where(ChatRoom.incident_id == incident_id).values(**values)
        )
