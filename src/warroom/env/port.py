"""``Env``: what a use case or a long-lived runtime object may use of its process.

The one wiring site (``warroom.bootstrap``) builds a ``Container`` that satisfies this
protocol; layers below it name this port instead of the container, so they cannot reach for
anything else the container holds, and tests may hand in any object with these members.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from warroom.config import Settings
from warroom.playbook.schema import Playbook
from warroom.storage.engine import Database


class Env(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...

    @property
    def playbook(self) -> Playbook:
        """The playbook of the moment (with the people and teams managed through the API)."""

    @property
    def clock(self) -> Callable[[], datetime]: ...

    def routing_changed(self, service: str, weights: dict[str, float]) -> None:
        """Tell this process's gateway that a service's traffic weights changed."""
