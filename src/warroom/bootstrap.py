"""The one place that wires settings, database, playbook and clock together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from warroom.config import Settings
from warroom.guide.runbooks import Runbook, load_runbooks
from warroom.playbook.loader import load_playbook
from warroom.playbook.schema import Playbook
from warroom.storage.base import utcnow
from warroom.storage.engine import Database, make_engine
from warroom.storage.migrate import upgrade

Clock = Callable[[], datetime]


@dataclass
class Container:
    settings: Settings
    db: Database
    playbook: Playbook
    clock: Clock = field(default=utcnow)
    #: The playbook's runbooks (``runbooks.dir`` or the shipped ones), validated at start.
    runbooks: tuple[Runbook, ...] = ()
    #: Called with a service name after this process changed its traffic routing, so an
    #: in-process gateway applies it at once (other processes follow the registry).
    routing_listeners: list[Callable[[str, dict[str, float]], object]] = field(default_factory=list)

    def routing_changed(self, service: str, weights: dict[str, float]) -> None:
        for listener in self.routing_listeners:
            listener(service, weights)

    def close(self) -> None:
        self.db.dispose()


def bootstrap(settings: Settings, *, migrate: bool = False, clock: Clock = utcnow) -> Container:
    """Build everything the API, CLI and worker need from one Settings object."""
    playbook = load_playbook(settings.playbook)
    runbooks = load_runbooks(playbook.runbooks, settings.playbook)
    engine = make_engine(
        settings.resolved_database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        pool_size=settings.db_pool_size,
    )
    if migrate:
        upgrade(engine)
    return Container(
        settings=settings, db=Database(engine), playbook=playbook, clock=clock, runbooks=runbooks
    )
