"""The chat port: what warroom asks of a chat platform. Every method raises ``ChatError``
on failure (``RateLimited`` when the platform says to slow down), never returns False.

A platform is a ``ChatPlatform`` subclass with a ``type`` name. Slack is built in; a package
adds another (Mattermost, Microsoft Teams) through the ``warroom.chat`` entry point group::

    # pyproject.toml of your package
    [project.entry-points."warroom.chat"]
    mattermost = "mypkg.mm:MattermostPlatform"

    # mypkg/mm.py
    class MattermostPlatform(ChatPlatform):
        type = "mattermost"

        def create_room(self, name: str, *, private: bool) -> Room: ...
        # ... and the other methods below

and a playbook section ``chat: {type: mattermost, token: ${MM_TOKEN}, base_url: ...}``.

Idempotency is warroom's job, not the platform's: warroom stores a room's name and a
message's key before asking, and after a crash asks ``find_room`` / ``find_message``
whether the earlier attempt went through, so the platform only needs to answer honestly.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from warroom.errors import ChatError
from warroom.playbook.chat import ChatPolicy

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand(value: str, what: str) -> str:
    """Replace ``${VAR}`` with the environment variable (ChatError naming it if unset)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if not os.environ.get(name):
            raise ChatError(f"chat {what}: environment variable {name} is not set")
        return os.environ[name]

    return _ENV.sub(one, value)


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    creator: str = ""
    created: float = 0.0


@dataclass(frozen=True)
class Post:
    """One message: plain ``text`` (notifications, screen readers) and the platform's rich
    ``blocks``; ``key`` is stored with it so ``find_message`` can recognise it later."""

    text: str
    key: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


class ChatPlatform:
    type: ClassVar[str]

    def __init__(self, policy: ChatPolicy, *, timeout: float = 10.0):
        self.policy = policy
        self.timeout = timeout

    def identity(self) -> str:
        """The bot's own user id (and a check that the credentials work)."""
        raise NotImplementedError

    def create_room(self, name: str, *, private: bool) -> Room:
        """Create a room; ChatError with ``name_taken`` in the message when the name is used."""
        raise NotImplementedError

    def find_room(self, name: str) -> Room | None:
        """The room of that exact name, if there is one."""
        raise NotImplementedError

    def set_topic(self, room: str, topic: str) -> None:
        raise NotImplementedError

    def invite(self, room: str, users: list[str]) -> None:
        """Invite users (already members are fine)."""
        raise NotImplementedError

    def direct_room(self, user: str) -> str:
        """The room of direct messages between the bot and a user (opened if need be)."""
        raise NotImplementedError

    def post(self, room: str, post: Post) -> str:
        """Post a message into a room; its id."""
        raise NotImplementedError

    def find_message(self, room: str, key: str, since: datetime) -> str | None:
        """The id of a message posted with ``key`` since ``since``, if any."""
        raise NotImplementedError

    def update(self, room: str, message: str, post: Post) -> None:
        raise NotImplementedError

    def pin(self, room: str, message: str) -> None:
        """Pin a message (already pinned is fine)."""
        raise NotImplementedError

    def archive(self, room: str) -> None:
        """Archive a room (already archived is fine)."""
        raise NotImplementedError

    def user_by_email(self, email: str) -> str | None:
        """The user id of that e-mail address, or None when the platform knows no such user."""
        raise NotImplementedError

    def email_of(self, user: str) -> str | None:
        """A user's e-mail address, when the platform shares it."""
        raise NotImplementedError

    def respond(self, url: str, text: str, *, ephemeral: bool = True) -> None:
        """Answer an interaction later, through the ``response_url`` it came with."""
        raise NotImplementedError
