"""Slack through the official ``slack_sdk`` Web API client (imported when first used, so a
playbook without a ``chat`` section never loads it).

``base_url`` is the Web API's address (``https://slack.com/api/``); tests point it at a local
server speaking the same protocol. Errors name the method and Slack's error code
(``name_taken``, ``not_in_channel``), never the token; HTTP 429 becomes ``RateLimited`` with
Slack's ``Retry-After``, so the job waits exactly as long as Slack asked.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.chat.base import ChatPlatform, Post, Room, expand
from warroom.errors import ChatError, RateLimited

if TYPE_CHECKING:
    from slack_sdk import WebClient

#: Errors that mean "already done": a retry after a crash meets them.
_ALREADY = {"already_in_channel", "cant_invite_self", "already_pinned", "already_archived"}
METADATA_TYPE = "warroom_message"


class SlackPlatform(ChatPlatform):
    type = "slack"

    _client: WebClient | None = None

    @property
    def client(self) -> WebClient:
        if self._client is None:
            from slack_sdk import WebClient

            base = self.policy.base_url.rstrip("/") + "/"
            token = expand(self.policy.token, "token")
            self._client = WebClient(token=token, base_url=base, timeout=int(self.timeout))
        return self._client

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One Web API call through the SDK's method of that name (which picks GET, form or
        JSON as Slack expects for it); its JSON, or ChatError / RateLimited."""
        from slack_sdk.errors import SlackApiError, SlackClientError

        try:
            response = getattr(self.client, method.replace(".", "_"))(**params)
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429:
                headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
                raw = headers.get("retry-after", "1")
                retry = raw[0] if isinstance(raw, list) else raw
                raise RateLimited(method, float(retry)) from None
            code = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if code in _ALREADY:
                return {"ok": True, "already": code}
            raise ChatError(f"slack {method}: {code or f'HTTP {status}'}") from None
        except (SlackClientError, OSError) as exc:
            raise ChatError(f"slack {method}: {type(exc).__name__}: {exc}") from None
        return dict(response.data) if isinstance(response.data, dict) else {}

    def identity(self) -> str:
        return str(self.call("auth.test")["user_id"])

    def create_room(self, name: str, *, private: bool) -> Room:
        data = self.call("conversations.create", name=name, is_private=private)
        return _room(data["channel"])

    def find_room(self, name: str) -> Room | None:
        cursor = ""
        while True:
            params: dict[str, Any] = {
                "types": "public_channel,private_channel",
                "exclude_archived": True,
                "limit": 1000,
            }
            if cursor:
                params["cursor"] = cursor
            data = self.call("conversations.list", **params)
            for channel in data.get("channels", []):
                if channel.get("name") == name:
                    return _room(channel)
            cursor = (data.get("response_metadata") or {}).get("next_cursor", "")
            if not cursor:
                return None

    def set_topic(self, room: str, topic: str) -> None:
        self.call("conversations.setTopic", channel=room, topic=topic)

    def invite(self, room: str, users: list[str]) -> None:
        for user in users:  # one by one: Slack refuses the whole list for one member
            self.call("conversations.invite", channel=room, users=user)

    def direct_room(self, user: str) -> str:
        data = self.call("conversations.open", users=user)
        return str(data["channel"]["id"])

    def post(self, room: str, post: Post) -> str:
        data = self.call(
            "chat.postMessage",
            channel=room,
            text=post.text,
            blocks=post.blocks or None,
            unfurl_links=False,
            metadata={"event_type": METADATA_TYPE, "event_payload": {"key": post.key}},
        )
        return str(data["ts"])

    def find_message(self, room: str, key: str, since: datetime) -> str | None:
        data = self.call(
            "conversations.history",
            channel=room,
            oldest=f"{since.timestamp() - 1:.6f}",
            include_all_metadata=True,
            limit=200,
        )
        for message in data.get("messages", []):
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == key:
                return str(message["ts"])
        return None

    def update(self, room: str, message: str, post: Post) -> None:
        self.call("chat.update", channel=room, ts=message, text=post.text, blocks=post.blocks)

    def pin(self, room: str, message: str) -> None:
        self.call("pins.add", channel=room, timestamp=message)

    def archive(self, room: str) -> None:
        self.call("conversations.archive", channel=room)

    def user_by_email(self, email: str) -> str | None:
        try:
            data = self.call("users.lookupByEmail", email=email)
        except ChatError as exc:
            if "users_not_found" in str(exc):
                return None
            raise
        return str(data["user"]["id"])

    def email_of(self, user: str) -> str | None:
        data = self.call("users.info", user=user)
        email = ((data.get("user") or {}).get("profile") or {}).get("email")
        return str(email) if email else None

    def respond(self, url: str, text: str, *, ephemeral: bool = True) -> None:
        from slack_sdk.webhook import WebhookClient

        kind = "ephemeral" if ephemeral else "in_channel"
        try:
            result = WebhookClient(url, timeout=int(self.timeout)).send(
                text=text, response_type=kind
            )
        except OSError as exc:
            raise ChatError(f"slack response_url: {type(exc).__name__}") from None
        if result.status_code == 429:
            raise RateLimited("response_url", float(result.headers.get("Retry-After", "1")))
        if result.status_code >= 300:
            raise ChatError(f"slack response_url: HTTP {result.status_code}")


def _room(channel: dict[str, Any]) -> Room:
    return Room(
        id=str(channel["id"]),
        name=str(channel.get("name", "")),
        creator=str(channel.get("creator", "")),
        created=float(channel.get("created", 0)),
    )
