"""Rooms, messages, mapped users and approvals in the database; the job kinds of chat.

The cheap hooks other code calls inside its own transaction (``request_room``,
``on_event``, ``request_approval``) only write rows and enqueue jobs: no platform call ever
runs inside intake or a request, so a chat outage never slows paging down.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.chat.models import ChatApproval, ChatMessage, ChatRoom, ChatRoomRead, ChatUser
from warroom.jobs import service as jobs
from warroom.playbook.chat import ChatPolicy
from warroom.storage.bulk import insert_unless_conflict

OPEN = "chat.open"
MIRROR = "chat.mirror"
ARCHIVE = "chat.archive"
APPROVAL = "chat.approval"
APPROVAL_EXPIRE = "chat.approval_expire"
APPROVAL_DECIDED = "chat.approval_decided"
RESPOND = "chat.respond"
RELEASE_PROMPT = "chat.release_prompt"
RELEASE_DECIDED = "chat.release_decided"
KINDS = (
    OPEN,
    MIRROR,
    ARCHIVE,
    APPROVAL,
    APPROVAL_EXPIRE,
    APPROVAL_DECIDED,
    RESPOND,
    RELEASE_PROMPT,
    RELEASE_DECIDED,
)

#: Timeline kinds never sent to a room's job: one per alert or written at every intake.
_OPENING = frozenset({"opened", "declared"})
_NOT_HOOKED = frozenset({"alert", "opened", "routed", "tasks", "notification", "chat_room"})


def wants_room(policy: ChatPolicy | None, severity: str) -> bool:
    """Whether an incident of this severity gets a room under the playbook."""
    return policy is not None and severity in policy.severities


def request_room(
    *, session: Session, incident_id: str, severity: str, policy: ChatPolicy | None, now: datetime
) -> None:
    """Enqueue the opening of an incident's room (once per incident, whatever calls it)."""
    if wants_room(policy, severity):
        jobs.enqueue_later(
            session=session,
            kind=OPEN,
            payload={"incident_id": incident_id},
            due_at=now,
            key=f"{OPEN}:{incident_id}",
        )


def mirrors(*, session: Session, incident_id: str, kind: str) -> bool:
    """Whether a timeline event of this kind goes to the incident's room (it has one)."""
    if kind in _OPENING:  # written as the incident is created: it has no room yet
        _roomless(session).add(incident_id)
    if kind in _NOT_HOOKED or incident_id in _roomless(session):
        return False
    if session.scalar(select(ChatRoom.state).where(ChatRoom.incident_id == incident_id)) is None:
        # An incident's room is created by a job of its own, never in the transaction that
        # writes its first events: asking again for every event of that transaction is waste.
        _roomless(session).add(incident_id)
        return False
    return True


def on_event(
    *, session: Session, incident_id: str, event_id: int, kind: str, now: datetime
) -> None:
    """A timeline event was added: if the incident has a room, enqueue its mirroring."""
    if not mirrors(session=session, incident_id=incident_id, kind=kind):
        return
    jobs.enqueue(
        session=session,
        kind=MIRROR,
        payload={"incident_id": incident_id, "event_id": event_id},
        due_at=now,
        key=f"{MIRROR}:{event_id}",
    )


_ROOMLESS = "warroom.chat_roomless"


def _roomless(session: Session) -> set[str]:
    """Incidents this transaction found without a room (forgotten with the transaction)."""
    transaction = session.get_transaction()
    found = session.info.get(_ROOMLESS)
    if found is None or found[0] is not transaction:
        found = session.info[_ROOMLESS] = (transaction, set())
    return found[1]


def room_created(*, session: Session, incident_id: str) -> None:
    """A room was added in this transaction: its events are mirrored from now on."""
    _roomless(session).discard(incident_id)


def room(*, session: Session, incident_id: str) -> ChatRoom | None:
    """The incident's room, if one was started."""
    return session.get(ChatRoom, incident_id)


def room_by_channel(*, session: Session, channel_id: str) -> ChatRoom | None:
    """The room with that platform channel id."""
    return session.scalars(select(ChatRoom).where(ChatRoom.channel_id == channel_id)).first()


def message(*, session: Session, key: str) -> ChatMessage | None:
    return session.scalars(select(ChatMessage).where(ChatMessage.key == key)).first()


def claim_message(
    *,
    session: Session,
    key: str,
    incident_id: str | None,
    channel_id: str,
    text: str,
    owner: str,
    now: datetime,
) -> tuple[ChatMessage, bool]:
    """The message row for ``key``, created for ``owner`` if new; True when it is new."""
    values = {
        "key": key,
        "incident_id": incident_id,
        "channel_id": channel_id,
        "text": text,
        "owner": owner,
        "started_at": now,
        "ts": None,
        "posted_at": None,
    }
    new = insert_unless_conflict(session, ChatMessage, values, unique="key") is not None
    found = message(session=session, key=key)
    assert found is not None
    return found, new


def person_of(*, session: Session, platform: str, user_id: str) -> str | None:
    """The warroom person mapped to a platform user, if known."""
    return session.scalar(
        select(ChatUser.person).where(ChatUser.platform == platform, ChatUser.user_id == user_id)
    )


def user_of(*, session: Session, platform: str, person: str) -> str | None:
    """The platform user id remembered for a person."""
    return session.scalar(
        select(ChatUser.user_id)
        .where(ChatUser.platform == platform, ChatUser.person == person)
        .order_by(ChatUser.id.desc())
    )


def remember_user(
    *, session: Session, platform: str, user_id: str, person: str, now: datetime
) -> None:
    """Store who a platform user is (once)."""
    values = {"platform": platform, "user_id": user_id, "person": person, "resolved_at": now}
    if person_of(session=session, platform=platform, user_id=user_id) is None:
        insert_unless_conflict(session, ChatUser, values, unique="user_id")


def request_approval(
    *,
    session: Session,
    incident_id: str,
    service: str,
    from_version: str | None,
    to_version: str,
    reason: str,
    figures: dict[str, float],
    policy: ChatPolicy,
    now: datetime,
) -> ChatApproval | None:
    """Record a rollback waiting for a person and enqueue its prompt and expiry; None when
    one is already pending for the incident."""
    pending = session.scalars(
        select(ChatApproval).where(
            ChatApproval.incident_id == incident_id, ChatApproval.status == "pending"
        )
    ).first()
    if pending is not None:
        return None
    row = ChatApproval(
        incident_id=incident_id,
        service=service,
        from_version=from_version,
        to_version=to_version,
        reason=reason,
        figures=figures,
        status="pending",
        expires_at=now + policy.approval_expires,
        created_at=now,
    )
    session.add(row)
    session.flush()
    payload: dict[str, Any] = {"approval_id": row.id, "incident_id": incident_id}
    jobs.enqueue(
        session=session, kind=APPROVAL, payload=payload, due_at=now, key=f"{APPROVAL}:{row.id}"
    )
    jobs.enqueue(
        session=session,
        kind=APPROVAL_EXPIRE,
        payload=payload,
        due_at=row.expires_at,
        key=f"{APPROVAL_EXPIRE}:{row.id}",
    )
    return row


def release_gate(*, session: Session, release_id: int, step: int, now: datetime) -> None:
    """A release reached an approval gate: enqueue its prompt (once per gate)."""
    jobs.enqueue(
        session=session,
        kind=RELEASE_PROMPT,
        payload={"release_id": release_id, "step": step},
        due_at=now,
        key=f"{RELEASE_PROMPT}:{release_id}:{step}",
    )


def release_gate_passed(
    *, session: Session, release_id: int, step: int, outcome: str, now: datetime
) -> None:
    """The gate was decided (the first outcome recorded is the one shown): enqueue replacing
    the prompt's buttons with it."""
    jobs.enqueue(
        session=session,
        kind=RELEASE_DECIDED,
        payload={"release_id": release_id, "step": step, "outcome": outcome},
        due_at=now,
        key=f"{RELEASE_DECIDED}:{release_id}:{step}",
    )


def approval(
    *, session: Session, approval_id: int, for_update: bool = False
) -> ChatApproval | None:
    query = select(ChatApproval).where(ChatApproval.id == approval_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).first()


def respond_later(*, session: Session, url: str, text: str, key: str, now: datetime) -> None:
    """Answer an interaction through its ``response_url`` from a job (retried, once)."""
    jobs.enqueue(
        session=session,
        kind=RESPOND,
        payload={"url": url, "text": text},
        due_at=now,
        key=f"{RESPOND}:{key}"[:300],
    )


def archive_later(*, session: Session, incident_id: str, due: datetime) -> None:
    jobs.enqueue(
        session=session,
        kind=ARCHIVE,
        payload={"incident_id": incident_id},
        due_at=due,
        key=f"{ARCHIVE}:{incident_id}",
    )


def expired(row: ChatApproval, now: datetime) -> bool:
    return row.status == "pending" and now >= row.expires_at - timedelta(microseconds=1)


def messages(*, session: Session, prefix: str) -> list[ChatMessage]:
    """Stored messages whose key starts with ``prefix``."""
    return list(
        session.scalars(
            select(ChatMessage).where(ChatMessage.key.startswith(prefix)).order_by(ChatMessage.id)
        )
    )


def read(room: ChatRoom) -> ChatRoomRead:
    """The room as the API and the console show it, with a link that opens it in Slack."""
    link = None
    if room.channel_id and room.platform == "slack":
        link = f"https://slack.com/app_redirect?channel={room.channel_id}"
    return ChatRoomRead.model_validate(room).model_copy(update={"link": link})
