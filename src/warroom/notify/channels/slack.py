"""The ``slack`` channel: a Slack incoming webhook (the URL itself is the secret)."""

from __future__ import annotations

from warroom.notify.channels.base import Channel, Message
from warroom.notify.channels.webhook import post


class SlackChannel(Channel):
    type = "slack"

    def send(self, message: Message) -> None:
        text = f"*{message.subject}*\n{message.body}"
        if message.to.startswith("@"):
            text = f"{message.to} {text}"
        elif message.to and not message.to.startswith("#"):
            text = f"{text}\n(for {message.to})"  # a name or address: say who is paged
        body: dict[str, object] = {"text": text}
        room = message.to if message.to.startswith("#") else self.config.to
        if room:
            body["channel"] = room
        post(self, body, message)
