"""Who is who: a warroom person's chat user id and back.

A person maps to a Slack user by a contact on a ``slack`` channel whose ``to`` is a user id
(``U0123ABC``), else by the address of their e-mail contact through ``users.lookupByEmail``.
A Slack user writing to warroom maps back the same way (``users.info`` gives the e-mail).
Found mappings are stored, so the platform is asked once per person.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.chat import service as chat
from warroom.chat.base import ChatPlatform
from warroom.playbook.schema import Playbook

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
Sessions = Callable[[], AbstractContextManager[Session]]


def direct_id(playbook: Playbook, person: str) -> str | None:
    """The user id written in the person's contacts, if any."""
    found = playbook.oncall.person(person)
    types = {c.name: c.type for c in playbook.channels}
    for contact in found.contacts if found else []:
        on_chat = contact.channel == "slack" or types.get(contact.channel) == "slack"
        if on_chat and USER_ID.match(contact.to):
            return contact.to
    return None


def email(playbook: Playbook, person: str) -> str | None:
    """The person's e-mail address, from a contact on an e-mail channel."""
    found = playbook.oncall.person(person)
    types = {c.name: c.type for c in playbook.channels}
    for contact in found.contacts if found else []:
        if types.get(contact.channel) == "email" and "@" in contact.to:
            return contact.to
    return None


def user_for(
    *, sessions: Sessions, platform: ChatPlatform, playbook: Playbook, person: str, now: datetime
) -> str | None:
    """The chat user id of a warroom person, or None when there is no way to find it."""
    direct = direct_id(playbook, person)
    if direct:
        return direct
    with sessions() as session:
        stored = chat.user_of(session=session, platform=platform.type, person=person)
    if stored:
        return stored
    address = email(playbook, person)
    found = platform.user_by_email(address) if address else None
    if found:
        with sessions() as session:
            chat.remember_user(
                session=session, platform=platform.type, user_id=found, person=person, now=now
            )
    return found


def direct_places(
    *,
    sessions: Sessions,
    platform: ChatPlatform,
    playbook: Playbook,
    persons: list[str],
    now: datetime,
) -> list[tuple[str, str]]:
    """``("dm:<person>", room)`` for each person found on the platform (others are skipped)."""
    places = []
    for person in persons:
        user = user_for(
            sessions=sessions, platform=platform, playbook=playbook, person=person, now=now
        )
        places += [(f"dm:{person}", platform.direct_room(user))] if user else []
    return places


def person_for(
    *, sessions: Sessions, platform: ChatPlatform, playbook: Playbook, user: str, now: datetime
) -> str | None:
    """The warroom person a chat user is, or None (an unknown user is refused)."""
    for p in playbook.oncall.people:
        if direct_id(playbook, p.name) == user:
            return p.name
    with sessions() as session:
        stored = chat.person_of(session=session, platform=platform.type, user_id=user)
    if stored and playbook.oncall.person(stored) is not None:
        return stored
    address = platform.email_of(user)
    match = next(
        (p.name for p in playbook.oncall.people if address and email(playbook, p.name) == address),
        None,
    )
    if match:
        with sessions() as session:
            chat.remember_user(
                session=session, platform=platform.type, user_id=user, person=match, now=now
            )
    return match


def actor(platform: str, user: str, person: str) -> str:
    """How the timeline and the audit log name a person acting from chat:
    ``slack:U0123ABC (alice)``."""
    return f"{platform}:{user} ({person})"
