"""Rollback approval in chat: the plan is posted with Approve / Decline to the room and to
the people paged; a click decides (the rollback starts as the person who approved); the
prompt expires after the playbook's ``approval_expires`` with the decision on the timeline."""

from __future__ import annotations

from typing import Any

from warroom.audit import service as audit
from warroom.chat import registry as platforms
from warroom.chat import render
from warroom.chat import service as chat
from warroom.chat.base import Post
from warroom.chat.models import ChatApproval
from warroom.chatops import people, view
from warroom.chatops.posting import post_once
from warroom.errors import ChatError, Conflict
from warroom.incidents import service as incidents
from warroom.jobs.context import JobContext
from warroom.playbook.schema import Playbook
from warroom.rollback import service as rollbacks

ACTOR = "warroom:chat"


def _prompt(row: ChatApproval) -> tuple[str, list[dict[str, Any]]]:
    return render.approval(
        approval_id=row.id,
        incident_id=row.incident_id,
        service=row.service,
        from_version=row.from_version,
        to_version=row.to_version,
        reason=row.reason,
        figures=row.figures,
        expires=row.expires_at.strftime("%H:%M UTC"),
    )


def _targets(ctx: JobContext, row: ChatApproval) -> list[tuple[str, str]]:
    """(key suffix, channel) of every place the prompt goes: the room and each paged person."""
    policy = ctx.playbook.chat
    assert policy is not None
    with ctx.read() as session:
        room = chat.room(session=session, incident_id=row.incident_id)
        incident = incidents.get(session=session, incident_id=row.incident_id)
        paged = view.paged(session, row.incident_id)
    if room is not None and room.state == "open" and room.channel_id:
        places = [("room", room.channel_id)]
    elif chat.wants_room(policy, incident.severity):
        raise ChatError(f"the room of {row.incident_id} is not open yet")  # retried
    else:
        places = []
    platform = platforms.platform(policy)
    places += people.direct_places(
        sessions=ctx.db.session,
        platform=platform,
        playbook=ctx.playbook,
        persons=list(paged),
        now=ctx.now,
    )
    return places


def post_prompt(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Post the plan with Approve / Decline wherever it must be seen."""
    policy = ctx.playbook.chat
    with ctx.read() as session:
        row = chat.approval(session=session, approval_id=payload["approval_id"])
        if policy is None or row is None or row.status != "pending":
            return
        session.expunge(row)
    platform = platforms.platform(policy)
    text, blocks = _prompt(row)
    for suffix, channel in _targets(ctx, row):
        post_once(
            ctx,
            platform,
            channel=channel,
            incident_id=row.incident_id,
            post=Post(text, f"approval:{row.id}:{suffix}", blocks),
        )


def expire(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Nobody decided in time: record it and take the buttons away."""
    row = chat.approval(session=ctx.session, approval_id=payload["approval_id"], for_update=True)
    if row is None or row.status != "pending":
        return
    row.status, row.decided_at = "expired", ctx.now
    message = (
        f"Rollback approval expired: nobody approved rolling {row.service} back to "
        f"{row.to_version} by {row.expires_at.strftime('%H:%M UTC')}"
    )
    incidents.add_event(
        session=ctx.session,
        incident_id=row.incident_id,
        kind="auto_rollback",
        actor=ACTOR,
        message=message,
        now=ctx.now,
        data={"decision": "expired", "approval_id": row.id},
    )
    audit.record(
        session=ctx.session,
        actor=ACTOR,
        action="rollback.approval_expired",
        target=row.incident_id,
        now=ctx.now,
        approval_id=row.id,
    )
    _decided_later(ctx.session, row, ctx.now)


def _decided_later(session: Any, row: ChatApproval, now: Any) -> None:
    from warroom.jobs import service as jobs

    jobs.enqueue(
        session=session,
        kind=chat.APPROVAL_DECIDED,
        payload={"approval_id": row.id},
        due_at=now,
        key=f"{chat.APPROVAL_DECIDED}:{row.id}",
    )


def show_decision(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Replace the buttons of every posted prompt with the decision."""
    policy = ctx.playbook.chat
    with ctx.read() as session:
        row = chat.approval(session=session, approval_id=payload["approval_id"])
        if policy is None or row is None or row.status == "pending":
            return
        prefix = f"approval:{row.id}:"
        posted = [(m.channel_id, m.ts) for m in chat.messages(session=session, prefix=prefix)]
        outcome = f"{row.status.capitalize()}" + (f" by {row.decided_by}" if row.decided_by else "")
        text, blocks = render.decided(_prompt(row)[0], outcome)
    platform = platforms.platform(policy)
    for channel, ts in posted:
        if ts:
            platform.update(channel, ts, Post(text, f"{prefix}decided", blocks))


def decide(
    *, session: Any, approval_id: int, approve: bool, actor: str, playbook: Playbook, now: Any
) -> tuple[ChatApproval, int | None]:
    """Approve (start the rollback as ``actor``) or decline a pending approval; the row and
    the rollback id. Conflict when it was decided or expired already."""
    row = chat.approval(session=session, approval_id=approval_id, for_update=True)
    if row is None:
        raise Conflict(f"approval {approval_id} does not exist")
    if row.status != "pending" or chat.expired(row, now):
        state = row.status if row.status != "pending" else "expired"
        raise Conflict(f"this rollback approval is {state}: nothing to decide")
    rollback_id = None
    if approve:
        started = rollbacks.start(
            session=session,
            service=row.service,
            to_version=row.to_version,
            incident_id=row.incident_id,
            trigger="auto",
            actor=actor,
            reason=f"approved in chat: {row.reason}",
            stable_after=playbook.rollback.stable_after,
            now=now,
        )
        rollback_id = started.id
    row.status = "approved" if approve else "declined"
    row.decided_at, row.decided_by, row.rollback_id = now, actor, rollback_id
    verb = "approved" if approve else "declined"
    incidents.add_event(
        session=session,
        incident_id=row.incident_id,
        kind="auto_rollback",
        actor=actor,
        message=f"Rollback of {row.service} to {row.to_version} {verb}",
        now=now,
        data={"decision": verb, "approval_id": row.id, "rollback_id": rollback_id},
    )
    audit.record(
        session=session,
        actor=actor,
        action=f"rollback.approval_{verb}",
        target=row.incident_id,
        now=now,
        approval_id=row.id,
        rollback_id=rollback_id,
    )
    _decided_later(session, row, now)
    return row, rollback_id
