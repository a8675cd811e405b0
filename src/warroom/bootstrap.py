"""The one place that wires settings, database, playbook and clock together."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import DBAPIError

from warroom.alerts.rate import IntakeRate
from warroom.config import Settings
from warroom.oncall import directory
from warroom.oncall.directory import Version
from warroom.playbook.loader import load_playbook
from warroom.playbook.runbook import Runbook, load_runbooks
from warroom.playbook.schema import Playbook
from warroom.storage.base import utcnow
from warroom.storage.engine import Database, make_engine
from warroom.storage.migrate import upgrade

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


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
    #: Alerts this process accepted lately; its worker gives way to intake during a storm.
    intake_rate: IntakeRate = field(default_factory=IntakeRate)
    _base: Playbook | None = field(default=None, repr=False)
    _overlaid: Playbook | None = field(default=None, repr=False)
    _directory: Version = field(default=(0, None), repr=False)
    _checked: float = field(default=float("-inf"), repr=False)

    def refresh_directory(self, *, force: bool = False) -> None:
        """Bring the people and teams managed through the API into ``playbook`` (at most
        once per ``directory_refresh`` seconds unless forced; see oncall.directory)."""
        moment = time.monotonic()
        if not force and moment - self._checked < self.settings.directory_refresh:
            return
        self._checked = moment
        replaced = self.playbook is not self._overlaid
        try:
            with self.db.read() as session:
                current = directory.version(session)
                if current == self._directory and (current[0] == 0 or not replaced):
                    return
                rows = directory.entries(session) if current[0] else []
        except DBAPIError:  # not migrated yet (a CLI command before `db upgrade`)
            return
        if replaced or self._base is None:
            self._base = self.playbook  # someone (a test, a reload) set a new playbook
        merged, skipped = directory.overlay_valid(self._base, rows)
        if skipped:
            log.error("directory entries the playbook does not accept: %s", ", ".join(skipped))
        self._overlaid = self.playbook = merged
        self._directory = current

    def base_playbook(self) -> Playbook:
        """The playbook as its file declares it, without the directory's entries."""
        return (
            self.playbook if self.playbook is not self._overlaid else (self._base or self.playbook)
        )

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
    container = Container(
        settings=settings, db=Database(engine), playbook=playbook, clock=clock, runbooks=runbooks
    )
    container.refresh_directory(force=True)
    return container
