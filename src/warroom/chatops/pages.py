"""Pages with buttons: a page to a person whose contact is a chat user (``to: U0123ABC`` on a
channel of the chat platform's type) goes through the chat bot as a direct message carrying
**Acknowledge**, **Escalate now** and **Resolve**, instead of the channel's incoming webhook.

It stays a notification like any other (outbox row, delivery job, retries, timeline); the
message is posted once (``post_once``: its key is stored before Slack is asked and looked up
after a crash). Everything else (no ``chat`` section, a ``#room`` or ``@name`` target, other
notifications) leaves through the channel itself, so a team with only an incoming webhook
keeps paging as before.
"""

from __future__ import annotations

from typing import Any

from warroom.chat import registry as platforms
from warroom.chat import render
from warroom.chat.base import Post
from warroom.chatops.people import USER_ID
from warroom.chatops.posting import post_once
from warroom.jobs.context import JobContext
from warroom.notify import handlers as notify
from warroom.notify.channels.base import Message
from warroom.playbook.chat import ChatPolicy
from warroom.playbook.oncall import ChannelConfig


def deliver(ctx: JobContext, payload: dict[str, Any]) -> None:
    """The delivery job of notifications, with pages to chat users sent through the bot."""
    notify.deliver(ctx, payload, send=send)


def through_bot(policy: ChatPolicy | None, config: ChannelConfig, message: Message) -> bool:
    """Whether the message is a page to a chat user the bot can reach directly."""
    return (
        policy is not None
        and config.type == policy.type
        and message.incident_id is not None
        and message.data.get("level") is not None
        and USER_ID.match(message.to) is not None
    )


def send(ctx: JobContext, config: ChannelConfig, message: Message, timeout: float) -> None:
    """Post the page into the person's direct messages with the bot, or send it as usual."""
    policy = ctx.playbook.chat
    if policy is None or not through_bot(policy, config, message):
        notify.send_on_channel(ctx, config, message, timeout)
        return
    assert message.incident_id is not None
    platform = platforms.platform(policy, timeout=timeout)
    text, blocks = render.page(
        subject=message.subject, body=message.body, incident_id=message.incident_id
    )
    post_once(
        ctx,
        platform,
        channel=platform.direct_room(message.to),
        incident_id=message.incident_id,
        post=Post(text, f"page:{message.data['notification_id']}", blocks),
    )
