"""The channel port: one method, ``send``, that raises ``DeliveryError`` on failure.

A channel type is a ``Channel`` subclass with a ``type`` name. Built-ins live next to this
module; a package adds its own through the ``warroom.channels`` entry point group::

    # pyproject.toml of your package
    [project.entry-points."warroom.channels"]
    pager = "mypkg.pager:PagerChannel"

    # mypkg/pager.py
    class PagerChannel(Channel):
        type = "pager"

        def send(self, message: Message) -> None:
            response = httpx.post(self.url, json={"to": message.to, "text": message.body},
                                  headers=self.headers(message), timeout=self.timeout)
            if response.status_code >= 300:
                raise DeliveryError(f"{self.name}: HTTP {response.status_code}")

and a playbook channel ``{name: pagers, type: pager, url: ${PAGER_URL}}``. ``message.key`` is
the same on every attempt of one notification: pass it on (``headers()`` sets the
``Idempotency-Key`` header) so the receiver can drop a repeat after a worker crash.
Error messages must not contain the URL or credentials; ``where()`` names the host only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

import warroom
from warroom.errors import DeliveryError
from warroom.notify import redact
from warroom.playbook.oncall import ChannelConfig
from warroom.playbook.secrets import SECRET_KEYS

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Message:
    key: str
    to: str
    subject: str
    body: str
    incident_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def expand(value: str, channel: str) -> str:
    """Replace ``${VAR}`` with the environment variable (DeliveryError if it is not set)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise DeliveryError(f"channel {channel}: environment variable {name} is not set")
        return os.environ[name]

    return _ENV.sub(one, value)


class Channel:
    type: ClassVar[str]
    needs_url: ClassVar[bool] = True

    def __init__(self, config: ChannelConfig, *, timeout: float = 10.0):
        self.config = config
        self.name = config.name
        self.timeout = timeout
        if self.needs_url and not config.url:
            raise DeliveryError(f"channel {self.name}: type {self.type} needs a url")
        self.url = expand(config.url, self.name) if config.url else ""
        redact.install_log_filter()
        redact.remember(self.secrets())

    def send(self, message: Message) -> None:
        """Deliver one message or raise DeliveryError."""
        raise NotImplementedError

    def option(self, key: str, default: str = "") -> str:
        """An option as text, with ``${VAR}`` expanded."""
        value = self.config.options.get(key)
        return default if value is None else expand(str(value), self.name)

    def secrets(self) -> list[str]:
        """Literal secret values (password, secret-looking query values and options) that
        must never be shown; a subclass adds what its URL scheme hides elsewhere."""
        parts = urlsplit(self.url) if self.url else None
        found = [unquote(parts.password)] if parts and parts.password else []
        if parts:
            found += [v for k, v in parse_qsl(parts.query) if SECRET_KEYS.search(k) or k == "key"]
        found += [self.option(k) for k in self.config.options if SECRET_KEYS.search(k)]
        return [s for s in found if s]

    def headers(self, message: Message) -> dict[str, str]:
        return {
            "Idempotency-Key": message.key,
            "User-Agent": f"warroom/{warroom.__version__}",
        }

    def where(self) -> str:
        """The channel without secrets: its type and host."""
        host = urlsplit(self.url).hostname if self.url else None
        return f"{self.name} ({self.type}{' ' + host if host else ''})"
