"""Jobs of an incident's room: open it (create, topic, invites, pinned opening message),
mirror the timeline into it, archive it after the incident closes.

Every platform result is stored the moment it arrives (``posting.save_room``), so a job
cut short by a crash or a 429 resumes where it stopped: a second attempt never creates a
second room nor posts a message twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from warroom.audit import service as audit
from warroom.chat import names, render
from warroom.chat import registry as platforms
from warroom.chat import service as chat
from warroom.chat.base import ChatPlatform, Post, Room
from warroom.chat.models import ChatRoom
from warroom.chatops import people, view
from warroom.chatops.posting import post_once, save_room
from warroom.errors import ChatError
from warroom.incidents import lifecycle
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, TimelineEvent
from warroom.jobs.context import JobContext
from warroom.playbook.chat import ChatPolicy

ACTOR = "warroom:chat"
#: Kinds after which the topic (severity · status · commander) may have changed.
_TOPIC_KINDS = {"status", "reopened", "severity", "role", "acknowledged"}
_MAX_SUFFIX = 20


def open_room(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Open the incident's room and fill it; every step is skipped once done."""
    policy = ctx.playbook.chat
    incident_id = payload["incident_id"]
    if policy is None:
        return
    room = _room_row(ctx, incident_id, policy)
    if room is None or room.state == "archived":
        return
    platform = platforms.platform(policy)
    if room.channel_id is None:
        created = _create(ctx, platform, room, policy)
        _opened(ctx, incident_id, created)
        room.channel_id, room.name = created.id, created.name
    channel = room.channel_id
    _refresh(ctx, platform, policy, incident_id, channel)
    if room.opening_ts is None:
        with ctx.read() as session:
            text, blocks = render.opening(
                view.incident_view(session, incident_id, policy, ctx.settings)
            )
        ts = post_once(
            ctx,
            platform,
            channel=channel,
            incident_id=incident_id,
            post=Post(text, f"{incident_id}:opening", blocks),
        )
        save_room(ctx, incident_id, opening_ts=ts)
        room.opening_ts = ts
    if room.opening_ts and not room.pinned:
        platform.pin(channel, room.opening_ts)
        save_room(ctx, incident_id, pinned=True)
    # Events written before the room existed (pages, roles) are posted now, in order.
    mirror(ctx, {"incident_id": incident_id})


def _room_row(ctx: JobContext, incident_id: str, policy: ChatPolicy) -> ChatRoom | None:
    """The room row, created (committed) before the platform is first asked."""
    with ctx.db.session() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return None
        found = chat.room(session=session, incident_id=incident_id)
        if found is None:
            name = names.room_name(
                policy.channel_name,
                incident_id=incident.id,
                title=incident.title,
                detected_at=incident.detected_at,
            )
            found = ChatRoom(
                incident_id=incident_id,
                platform=policy.type,
                state="creating",
                name=name,
                creating_since=ctx.now,
                pinned=False,
                invited=[],
                mirrored_through=0,
                created_at=ctx.now,
            )
            session.add(found)
            session.flush()
            chat.room_created(session=session, incident_id=incident_id)
        session.expunge(found)
        return found


def _create(ctx: JobContext, platform: ChatPlatform, room: ChatRoom, policy: ChatPolicy) -> Room:
    """Create the room; on ``name_taken``, adopt it when an interrupted attempt of ours
    created it, else try the next name (``-2``, ``-3``, ...)."""
    bot = platform.identity()
    base = room.name
    for attempt in range(1, _MAX_SUFFIX + 1):
        name = names.with_suffix(base, attempt) if attempt > 1 else base
        if name != room.name:
            save_room(ctx, room.incident_id, name=name)
        try:
            return platform.create_room(name, private=policy.private)
        except ChatError as exc:
            if "name_taken" not in str(exc):
                raise
            taken = _ours(ctx, platform.find_room(name), bot, room.incident_id)
            if taken is not None:
                return taken
    raise ChatError(f"no free room name for {room.incident_id} after {_MAX_SUFFIX} tries")


def _ours(ctx: JobContext, found: Room | None, bot: str, incident_id: str) -> Room | None:
    """A room of that name is this incident's when our bot created it and no other
    incident has it (an earlier attempt created it and died before storing it)."""
    if found is None or found.creator != bot:
        return None
    with ctx.read() as session:
        other = chat.room_by_channel(session=session, channel_id=found.id)
    return found if other is None or other.incident_id == incident_id else None


def _opened(ctx: JobContext, incident_id: str, created: Room) -> None:
    with ctx.db.session() as session:
        session.execute(
            update(ChatRoom)
            .where(ChatRoom.incident_id == incident_id)
            .values(channel_id=created.id, name=created.name, state="open", opened_at=ctx.now)
        )
        incidents.add_event(
            session=session,
            incident_id=incident_id,
            kind="chat_room",
            actor=ACTOR,
            message=f"War room opened: #{created.name}",
            now=ctx.now,
            data={"channel": created.id, "name": created.name},
        )
        audit.record(
            session=session,
            actor=ACTOR,
            action="chat.room_open",
            target=incident_id,
            now=ctx.now,
            channel=created.id,
            name=created.name,
        )


def _refresh(
    ctx: JobContext, platform: ChatPlatform, policy: ChatPolicy, incident_id: str, channel: str
) -> None:
    """Bring the topic and the invitations up to date with the incident."""
    with ctx.read() as session:
        incident = session.get(Incident, incident_id)
        room = chat.room(session=session, incident_id=incident_id)
        if incident is None or room is None:
            return
        holders = view.roles(session, incident_id)
        wanted = _wanted(ctx, policy, session, incident, holders)
        topic = render.topic(
            severity=incident.severity,
            status=incident.status,
            commander=holders.get("incident_commander"),
        )
        invited, old_topic = list(room.invited), room.topic
    if topic != old_topic:
        platform.set_topic(channel, topic)
        save_room(ctx, incident_id, topic=topic)
    for person in [p for p in wanted if p not in invited]:
        user = people.user_for(
            sessions=ctx.db.session,
            platform=platform,
            playbook=ctx.playbook,
            person=person,
            now=ctx.now,
        )
        if user:
            platform.invite(channel, [user])
        invited.append(person)  # a person with no chat account is not asked about again
        save_room(ctx, incident_id, invited=invited)


def _wanted(
    ctx: JobContext, policy: ChatPolicy, session: Any, incident: Incident, holders: dict[str, str]
) -> list[str]:
    invite = policy.invite
    names_ = list(invite.people)
    names_ += view.team_members(ctx.playbook, incident.team) if invite.team else []
    names_ += view.paged(session, incident.id) if invite.paged else []
    names_ += list(holders.values()) if invite.roles else []
    return list(dict.fromkeys(names_))


def mirror(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Post the incident's new timeline events of the playbook's kinds into its room."""
    policy = ctx.playbook.chat
    incident_id = payload["incident_id"]
    if policy is None:
        return
    with ctx.read() as session:
        room = chat.room(session=session, incident_id=incident_id)
        if room is None or room.channel_id is None or room.state != "open" or not room.opening_ts:
            # The opening job mirrors what happened before its message: the opening comes
            # first even when Slack delayed it (a 429) while other events arrived.
            return
        mine = payload.get("event_id", 0)
        events = list(
            session.scalars(
                select(TimelineEvent)
                .where(
                    TimelineEvent.incident_id == incident_id,
                    (TimelineEvent.id > room.mirrored_through) | (TimelineEvent.id == mine),
                )
                .order_by(TimelineEvent.id)
            )
        )
        channel, opening = room.channel_id, room.opening_ts
    if not events:
        return
    platform = platforms.platform(policy)
    for event in events:
        if event.kind in policy.mirror:
            line = render.event_line(
                kind=event.kind,
                actor=event.actor,
                message=event.message,
                at=event.at.strftime("%H:%M:%S"),
            )
            post_once(
                ctx,
                platform,
                channel=channel,
                incident_id=incident_id,
                post=Post(line, f"{incident_id}:event:{event.id}"),
            )
    kinds = {e.kind for e in events}
    if kinds & ({"page", "role"} | _TOPIC_KINDS):
        _refresh(ctx, platform, policy, incident_id, channel)
    if "role" in kinds and opening:
        with ctx.read() as session:
            text, blocks = render.opening(
                view.incident_view(session, incident_id, policy, ctx.settings)
            )
        platform.update(channel, opening, Post(text, f"{incident_id}:opening", blocks))
    _finish_mirror(ctx, incident_id, events, policy)


def _finish_mirror(
    ctx: JobContext, incident_id: str, events: list[TimelineEvent], policy: ChatPolicy
) -> None:
    """Advance the room's cursor and, once the incident closed, schedule the archive (the
    job's own transaction: written after every other write of this job)."""
    last = events[-1].id
    ctx.session.execute(
        update(ChatRoom)
        .where(ChatRoom.incident_id == incident_id, ChatRoom.mirrored_through < last)
        .values(mirrored_through=last)
    )
    closed = [e for e in events if e.kind == "status" and e.data.get("to") == "closed"]
    if closed:
        chat.archive_later(
            session=ctx.session, incident_id=incident_id, due=closed[-1].at + policy.archive_after
        )


def archive(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Archive the room of a closed incident."""
    policy = ctx.playbook.chat
    incident_id = payload["incident_id"]
    with ctx.read() as session:
        incident = session.get(Incident, incident_id)
        room = chat.room(session=session, incident_id=incident_id)
        if policy is None or incident is None or room is None or room.channel_id is None:
            return
        if lifecycle.is_open(incident.status) or incident.status != "closed":
            return
        if room.state == "archived":
            return
        channel, name = room.channel_id, room.name
    platforms.platform(policy).archive(channel)
    ctx.session.execute(
        update(ChatRoom)
        .where(ChatRoom.incident_id == incident_id)
        .values(state="archived", archived_at=ctx.now)
    )
    incidents.add_event(
        session=ctx.session,
        incident_id=incident_id,
        kind="chat_room",
        actor=ACTOR,
        message=f"War room archived: #{name}",
        now=ctx.now,
        data={"channel": channel, "archived": True},
    )
    audit.record(
        session=ctx.session,
        actor=ACTOR,
        action="chat.room_archive",
        target=incident_id,
        now=ctx.now,
        channel=channel,
    )


def respond(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Answer an interaction through its ``response_url`` (after the 3-second reply)."""
    policy = ctx.playbook.chat
    if policy is not None:
        platforms.platform(policy).respond(payload["url"], payload["text"])
