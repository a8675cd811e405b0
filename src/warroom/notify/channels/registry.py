"""Channel types: the built-ins merged with the ``warroom.channels`` entry point group."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from warroom.errors import DeliveryError
from warroom.notify.channels.apprise import AppriseChannel
from warroom.notify.channels.base import Channel
from warroom.notify.channels.email import EmailChannel
from warroom.notify.channels.log import LogChannel
from warroom.notify.channels.slack import SlackChannel
from warroom.notify.channels.webhook import WebhookChannel

BUILTIN: tuple[type[Channel], ...] = (
    LogChannel,
    WebhookChannel,
    SlackChannel,
    EmailChannel,
    AppriseChannel,
)


@cache
def channel_types() -> dict[str, type[Channel]]:
    """Every available channel type by name (a plugin may not shadow a built-in). Read once
    per process: scanning the installed packages' entry points costs about a millisecond, on
    every page otherwise, and a newly installed plugin needs a restart anyway."""
    found: dict[str, type[Channel]] = {}
    for ep in entry_points(group="warroom.channels"):
        plugin = ep.load()
        if isinstance(plugin, type) and issubclass(plugin, Channel):
            found[plugin.type] = plugin
    found.update({c.type: c for c in BUILTIN})
    return found


def get_type(name: str) -> type[Channel]:
    """The channel class for a type name, or DeliveryError listing the known ones."""
    types = channel_types()
    if name not in types:
        raise DeliveryError(f"unknown channel type {name!r}; known: {', '.join(sorted(types))}")
    return types[name]
