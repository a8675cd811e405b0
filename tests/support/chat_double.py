"""A chat platform kept in memory: what a plugin (Mattermost, Microsoft Teams) looks like to
warroom, written only against the port. The chat contract test runs it beside Slack, so the
contract is one both a real protocol and a fresh implementation can meet."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from warroom.chat.base import ChatPlatform, Post, Room, expand
from warroom.errors import ChatError, RateLimited


@dataclass
class World:
    """Everything the platform holds; a test reads and steers it."""

    token: str = "memory-token-s3cret"
    bot: str = "UMEMBOT01"
    users: dict[str, str] = field(default_factory=dict)  # user id → e-mail
    rooms: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: list[tuple[str, str]] = field(default_factory=list)
    limited: dict[str, float] = field(default_factory=dict)  # method → Retry-After (once)

    def __post_init__(self) -> None:
        self.ids = itertools.count(1)


class MemoryPlatform(ChatPlatform):
    type = "memory"
    world: ClassVar[World] = World()

    def _call(self, method: str) -> World:
        world = self.world
        if expand(self.policy.token, "token") != world.token:
            raise ChatError(f"memory {method}: invalid_auth")
        if method in world.limited:
            raise RateLimited(method, world.limited.pop(method))
        return world

    def _room(self, method: str, room: str) -> dict[str, Any]:
        found = self._call(method).rooms.get(room)
        if found is None:
            raise ChatError(f"memory {method}: channel_not_found")
        return found

    def identity(self) -> str:
        return self._call("identity").bot

    def create_room(self, name: str, *, private: bool) -> Room:
        world = self._call("create_room")
        if any(r["name"] == name for r in world.rooms.values()):
            raise ChatError(f"memory create_room: name_taken ({name})")
        room_id = f"M{next(world.ids):06d}"
        world.rooms[room_id] = {
            "name": name,
            "creator": world.bot,
            "topic": "",
            "members": [world.bot],
            "messages": [],
            "pins": [],
            "archived": False,
        }
        return Room(room_id, name, world.bot, datetime.now(UTC).timestamp())

    def find_room(self, name: str) -> Room | None:
        world = self._call("find_room")
        for room_id, r in world.rooms.items():
            if r["name"] == name and not r["archived"]:
                return Room(room_id, name, r["creator"])
        return None

    def set_topic(self, room: str, topic: str) -> None:
        self._room("set_topic", room)["topic"] = topic

    def invite(self, room: str, users: list[str]) -> None:
        found = self._room("invite", room)
        found["members"] += [u for u in users if u not in found["members"]]

    def direct_room(self, user: str) -> str:
        world = self._call("direct_room")
        if user not in world.users:
            raise ChatError("memory direct_room: user_not_found")
        room_id = f"DM-{user}"
        world.rooms.setdefault(
            room_id,
            {
                "name": "",
                "creator": world.bot,
                "topic": "",
                "members": [world.bot, user],
                "messages": [],
                "pins": [],
                "archived": False,
            },
        )
        return room_id

    def post(self, room: str, post: Post) -> str:
        found = self._room("post", room)
        if found["archived"]:
            raise ChatError("memory post: is_archived")
        message_id = f"{next(self.world.ids)}"
        at = datetime.now(UTC)
        found["messages"].append({"id": message_id, "text": post.text, "key": post.key, "at": at})
        return message_id

    def find_message(self, room: str, key: str, since: datetime) -> str | None:
        found = self._room("find_message", room)
        return next(
            (m["id"] for m in found["messages"] if m["key"] == key and m["at"] >= since), None
        )

    def update(self, room: str, message: str, post: Post) -> None:
        found = self._room("update", room)
        target = next((m for m in found["messages"] if m["id"] == message), None)
        if target is None:
            raise ChatError("memory update: message_not_found")
        target["text"] = post.text

    def pin(self, room: str, message: str) -> None:
        found = self._room("pin", room)
        if message not in found["pins"]:
            found["pins"].append(message)

    def archive(self, room: str) -> None:
        self._room("archive", room)["archived"] = True

    def user_by_email(self, email: str) -> str | None:
        users = self._call("user_by_email").users
        return next((u for u, e in users.items() if e == email), None)

    def email_of(self, user: str) -> str | None:
        return self._call("email_of").users.get(user)

    def respond(self, url: str, text: str, *, ephemeral: bool = True) -> None:
        self._call("respond").responses.append((url, text))
