"""Chat platforms: the built-ins merged with the ``warroom.chat`` entry point group."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from warroom.chat.base import ChatPlatform
from warroom.chat.slack import SlackPlatform
from warroom.errors import ChatError
from warroom.playbook.chat import ChatPolicy

BUILTIN: tuple[type[ChatPlatform], ...] = (SlackPlatform,)


@cache
def platform_types() -> dict[str, type[ChatPlatform]]:
    """Every available platform by name (a plugin may not shadow a built-in); read once per
    process, a newly installed plugin needs a restart anyway."""
    found: dict[str, type[ChatPlatform]] = {}
    for ep in entry_points(group="warroom.chat"):
        plugin = ep.load()
        if isinstance(plugin, type) and issubclass(plugin, ChatPlatform):
            found[plugin.type] = plugin
    found.update({p.type: p for p in BUILTIN})
    return found


def platform(policy: ChatPolicy, *, timeout: float = 10.0) -> ChatPlatform:
    """The platform the playbook's ``chat`` section names, or ChatError listing the known."""
    types = platform_types()
    if policy.type not in types:
        raise ChatError(f"unknown chat type {policy.type!r}; known: {', '.join(sorted(types))}")
    return types[policy.type](policy, timeout=timeout)
