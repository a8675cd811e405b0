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
from warroom.errors import RateLimited
from warroom.jobs.context import JobContext
from warroom.jobs.models import Job

_WAIT = 2.0


def owner(ctx: JobContext) -> str:
    return f"job:{ctx.job.id}"


def post_once(
    ctx: JobContext,
    platform: ChatPlatform,
    *,
    channel: str,
    post: Post,
    incident_id: str | None,
) -> str:
    """The message's id once posted (RateLimited, a short wait, while another job that is
    still alive owns the key)."""
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
        ts, started, row_owner = row.ts, row.started_at, row.owner
        mine = row_owner == owner(ctx)
    if ts:
        return ts
    if not new:
        if not mine and not _take_over(ctx, post.key, row_owner):
            # Another job is posting it; the room's cursor must not pass it meanwhile.
            raise RateLimited(f"{post.key} is being posted by {row_owner}", _WAIT)
        found = platform.find_message(channel, post.key, since=started)
        if found:
            _store(ctx, post.key, found)
            return found
    ts = platform.post(channel, post)
    _store(ctx, post.key, ts)
    return ts


def _take_over(ctx: JobContext, key: str, row_owner: str) -> bool:
    """Adopt a message whose owning job ended without posting it (dead or done)."""
    job_id = int(row_owner.removeprefix("job:")) if row_owner.startswith("job:") else None
    with ctx.db.session() as session:
        job = session.get(Job, job_id) if job_id is not None else None
        if job is not None and job.status not in ("dead", "done"):
            return False
        session.execute(update(ChatMessage).where(ChatMessage.key == key).values(owner=owner(ctx)))
        return True


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
