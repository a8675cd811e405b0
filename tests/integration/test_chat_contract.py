"""One contract for every chat platform, table-driven: Slack (through ``slack_sdk`` against the
local Slack server) and an in-memory platform written only against the port (what a
Mattermost or Teams plugin is) must both pass every row. Each row is what warroom relies on:
``name_taken`` on a used name, rooms found again after a crash (past a page of results),
idempotent invites / pins / archives, messages found by their key, direct messages, users by
e-mail, ``RateLimited`` with the platform's wait, and errors that never show the token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.chat_double import MemoryPlatform, World
from tests.support.slack import TOKEN, SlackServer
from warroom.chat import registry
from warroom.chat.base import ChatPlatform, Post
from warroom.errors import ChatError, RateLimited
from warroom.playbook.chat import ChatPolicy

ALICE, EMAIL = "UALICE001", "alice@example.com"


@dataclass
class Peer:
    """A platform under test and how to look at (and steer) the other side."""

    platform: Callable[[], ChatPlatform]  # a fresh instance, as each job builds one
    secret: str
    topic: Callable[[str], str]
    members: Callable[[str], list[str]]
    texts: Callable[[str], list[str]]
    pins: Callable[[str], list[str]]
    archived: Callable[[str], bool]
    responses: Callable[[], list[str]]
    response_url: str
    limit_posts: Callable[[float], None]  # the next post is refused with this Retry-After
    with_bad_token: Callable[[], None]


def slack_peer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Peer]:
    server = SlackServer()
    server.add_user(ALICE, "alice", EMAIL)
    api = server.start()
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    policy = ChatPolicy(base_url=api)
    ch = server.channels
    yield Peer(
        platform=lambda: registry.platform(policy),
        secret=TOKEN,
        topic=lambda room: str(ch[room]["topic"]["value"]),
        members=lambda room: list(ch[room]["members"]),
        texts=lambda room: [m["text"] for m in ch[room]["messages"]],
        pins=lambda room: list(ch[room]["pins"]),
        archived=lambda room: bool(ch[room]["is_archived"]),
        responses=lambda: [r["text"] for r in server.responses],
        response_url=f"{server.url}/respond/1",
        limit_posts=lambda wait: server.rate_limit("chat.postMessage", 1, int(wait)),
        with_bad_token=lambda: monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong-d0-not-show"),
    )
    server.stop()


def memory_peer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Peer]:
    world = World(users={ALICE: EMAIL})
    monkeypatch.setattr(MemoryPlatform, "world", world)
    monkeypatch.setenv("MEMORY_TOKEN", world.token)
    policy = ChatPolicy(type="memory", token="${MEMORY_TOKEN}", signing_secret="${MEMORY_TOKEN}")
    rooms = world.rooms
    yield Peer(
        platform=lambda: MemoryPlatform(policy),
        secret=world.token,
        topic=lambda room: str(rooms[room]["topic"]),
        members=lambda room: list(rooms[room]["members"]),
        texts=lambda room: [m["text"] for m in rooms[room]["messages"]],
        pins=lambda room: list(rooms[room]["pins"]),
        archived=lambda room: bool(rooms[room]["archived"]),
        responses=lambda: [text for _, text in world.responses],
        response_url="memory://respond/1",
        limit_posts=lambda wait: world.limited.__setitem__("post", wait),
        with_bad_token=lambda: monkeypatch.setenv("MEMORY_TOKEN", "wrong-d0-not-show"),
    )


PEERS = {"slack": slack_peer, "memory": memory_peer}


@pytest.fixture(params=sorted(PEERS))
def peer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Peer]:
    yield from PEERS[request.param](monkeypatch)


# --- the contract, one row per promise ------------------------------------------------------


def rooms_are_created_once_and_found_again(peer: Peer) -> None:
    chat = peer.platform()
    bot = chat.identity()
    room = chat.create_room("incident-contract", private=False)
    assert (room.name, room.creator) == ("incident-contract", bot) and room.id
    with pytest.raises(ChatError, match="name_taken"):
        peer.platform().create_room("incident-contract", private=False)
    for n in range(5):  # more rooms than one page of results
        chat.create_room(f"other-{n}", private=True)
    found = peer.platform().find_room("incident-contract")
    assert found is not None and (found.id, found.creator) == (room.id, bot)
    assert chat.find_room("other-4") is not None and chat.find_room("no-such-room") is None


def topic_and_invites_are_idempotent(peer: Peer) -> None:
    chat = peer.platform()
    room = chat.create_room("incident-topic", private=False).id
    chat.set_topic(room, "P1 · triggered · IC: alice")
    chat.invite(room, [ALICE])
    chat.invite(room, [ALICE])  # a retry after a crash
    assert peer.topic(room) == "P1 · triggered · IC: alice"
    assert peer.members(room).count(ALICE) == 1


def messages_are_found_by_key_updated_and_pinned(peer: Peer) -> None:
    chat = peer.platform()
    room = chat.create_room("incident-messages", private=False).id
    since = datetime.now(UTC) - timedelta(seconds=5)
    ts = chat.post(room, Post("opening", "INC-1:opening", [{"type": "divider"}]))
    assert peer.platform().find_message(room, "INC-1:opening", since) == ts
    assert chat.find_message(room, "INC-1:event:9", since) is None
    chat.update(room, ts, Post("opening, updated", "INC-1:opening"))
    chat.pin(room, ts)
    chat.pin(room, ts)
    assert peer.texts(room) == ["opening, updated"] and peer.pins(room) == [ts]


def direct_messages_reach_a_user(peer: Peer) -> None:
    chat = peer.platform()
    dm = chat.direct_room(ALICE)
    assert peer.platform().direct_room(ALICE) == dm
    since = datetime.now(UTC) - timedelta(seconds=5)
    ts = chat.post(dm, Post("You are paged", "page:1"))
    assert chat.find_message(dm, "page:1", since) == ts and ALICE in peer.members(dm)
    with pytest.raises(ChatError):
        chat.direct_room("UNOBODY01")


def archiving_twice_is_fine(peer: Peer) -> None:
    chat = peer.platform()
    room = chat.create_room("incident-archive", private=False).id
    chat.archive(room)
    peer.platform().archive(room)
    assert peer.archived(room)


def users_are_found_by_email(peer: Peer) -> None:
    chat = peer.platform()
    assert chat.user_by_email(EMAIL) == ALICE
    assert chat.user_by_email("nobody@example.com") is None
    assert chat.email_of(ALICE) == EMAIL


def answers_go_to_the_response_url(peer: Peer) -> None:
    peer.platform().respond(peer.response_url, "You acknowledged INC-1.")
    assert peer.responses() == ["You acknowledged INC-1."]


def rate_limits_say_how_long_to_wait(peer: Peer) -> None:
    chat = peer.platform()
    room = chat.create_room("incident-limited", private=False).id
    peer.limit_posts(7)
    with pytest.raises(RateLimited) as refused:
        chat.post(room, Post("hello", "k"))
    assert refused.value.retry_after == 7
    assert chat.post(room, Post("hello", "k")) and peer.texts(room) == ["hello"]


def errors_are_chat_errors_without_the_token(peer: Peer) -> None:
    with pytest.raises(ChatError) as unknown_room:
        peer.platform().post("CNOSUCHROOM", Post("hello", "k"))
    peer.with_bad_token()
    with pytest.raises(ChatError) as bad_token:
        peer.platform().identity()
    for error in (unknown_room.value, bad_token.value):
        assert peer.secret not in str(error) and "d0-not-show" not in str(error)
    assert "invalid_auth" in str(bad_token.value)


CONTRACT: list[Callable[[Peer], None]] = [
    rooms_are_created_once_and_found_again,
    topic_and_invites_are_idempotent,
    messages_are_found_by_key_updated_and_pinned,
    direct_messages_reach_a_user,
    archiving_twice_is_fine,
    users_are_found_by_email,
    answers_go_to_the_response_url,
    rate_limits_say_how_long_to_wait,
    errors_are_chat_errors_without_the_token,
]


@pytest.mark.parametrize("promise", CONTRACT, ids=lambda f: f.__name__)
def test_chat_platform_contract(peer: Peer, promise: Callable[[Peer], None]) -> None:
    promise(peer)


def test_a_plugin_is_found_through_the_entry_point_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package declaring ``[project.entry-points."warroom.chat"]`` is picked up by type
    name (installed here as a real distribution on sys.path, not a patched lookup)."""
    dist = tmp_path / "warroom_memchat-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: warroom-memchat\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[warroom.chat]\nmemory = tests.support.chat_double:MemoryPlatform\n"
        "slack = tests.support.chat_double:MemoryPlatform\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.platform_types.cache_clear()
    try:
        types: dict[str, Any] = registry.platform_types()
        assert types["memory"] is MemoryPlatform
        assert types["slack"].__name__ == "SlackPlatform"  # a plugin never shadows a built-in
        policy = ChatPolicy(type="memory", token="x", signing_secret="x")
        assert isinstance(registry.platform(policy), MemoryPlatform)
        with pytest.raises(ChatError, match="unknown chat type 'teams'; known: memory, slack"):
            registry.platform(policy.model_copy(update={"type": "teams"}))
    finally:
        registry.platform_types.cache_clear()
