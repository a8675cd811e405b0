"""The one wiring site: everything long-lived is built here, from one ``Settings``.

- ``bootstrap(settings)`` → ``Container``: settings, database, playbook (with the people and
  teams managed through the API), runbooks, clock. Every command and process starts here.
- ``build_server(container)`` → ``Server``: what ``warroom serve`` runs beside its HTTP API
  (the embedded gateway with its registry sync and detectors, the rollback runner, the
  Prometheus registry with intake, response and gateway metrics, the integration key cache).
- ``build_gateway(container)`` → ``GatewayServer``: the same gateway part alone, for
  ``warroom gateway``.

Layers below take the narrow ``warroom.env.port.Env`` (which ``Container`` satisfies), never
the container itself; the HTTP apps read the server through ``Server.of(app)`` only. The
runtime modules are imported inside the builders so that a CLI command that needs none of
them starts fast.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import DBAPIError

from warroom.alerts.rate import IntakeRate
from warroom.config import Settings
from warroom.incidents import rollup
from warroom.oncall import directory
from warroom.oncall.directory import Version
from warroom.playbook.loader import load_playbook
from warroom.playbook.runbook import Runbook, load_runbooks
from warroom.playbook.schema import Playbook
from warroom.storage.base import utcnow
from warroom.storage.engine import Database, make_engine
from warroom.storage.migrate import upgrade

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from warroom.auth.service import KnownKeys, KnownTokens
    from warroom.gateway.detection import DetectorLoop
    from warroom.gateway.metrics import GatewayMetrics
    from warroom.gateway.runtime import Gateway
    from warroom.gateway.sync import GatewaySync
    from warroom.intake.metrics import IntakeMetrics
    from warroom.intake.processor import IntakeProcessor
    from warroom.runners.release import ReleaseRunner
    from warroom.runners.rollback import RollbackRunner

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

    def directory_due(self) -> bool:
        """Whether ``refresh_directory`` would read the database now."""
        return time.monotonic() - self._checked >= self.settings.directory_refresh

    def refresh_directory(self, *, force: bool = False) -> None:
        """Bring the people and teams managed through the API into ``playbook`` (at most
        once per ``directory_refresh`` seconds unless forced; see oncall.directory)."""
        if not force and not self.directory_due():
            return
        self._checked = time.monotonic()
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
    playbook = with_own_url(load_playbook(settings.playbook), settings.base_url)
    runbooks = load_runbooks(playbook.runbooks, settings.playbook)
    engine = make_engine(
        settings.resolved_database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        pool_size=settings.db_pool_size,
    )
    if migrate:
        upgrade(engine)
    db = Database(engine)
    for name, listener in rollup.LISTENERS.items():
        db.on(name, listener)
    container = Container(
        settings=settings, db=db, playbook=playbook, clock=clock, runbooks=runbooks
    )
    container.refresh_directory(force=True)
    return container


def with_own_url(playbook: Playbook, url: str) -> Playbook:
    """The playbook with ``$warroom_url`` (this server's own URL) for diagnostics, so the
    shipped ``warroom_ready`` step works on a fresh install; the playbook's own
    ``runbooks.variables.warroom_url`` wins."""
    runbooks = playbook.runbooks
    if "warroom_url" in runbooks.variables:
        return playbook
    variables = {"warroom_url": url, **runbooks.variables}
    return playbook.model_copy(
        update={"runbooks": runbooks.model_copy(update={"variables": variables})}
    )


S = TypeVar("S", bound="GatewayServer")


@dataclass
class GatewayServer:
    """The embedded gateway and the loops that keep it current and watch its traffic."""

    container: Container
    gateway: Gateway
    sync: GatewaySync
    detectors: DetectorLoop
    registry: CollectorRegistry
    gateway_metrics: GatewayMetrics
    #: The API tokens its requests were authenticated with lately.
    api_tokens: KnownTokens

    def start(self) -> None:
        self.sync.start()
        self.detectors.start()

    def stop(self) -> None:
        self.detectors.stop()
        self.sync.stop()

    def attach(self, app: Any) -> None:
        """Make this server what ``of(app)`` returns for requests of ``app``."""
        app.state.server = self

    @classmethod
    def of(cls: type[S], app: Any) -> S:
        """The server an app was built with (the one typed read of the app's state)."""
        server = getattr(app.state, "server", None)
        if not isinstance(server, cls):
            raise RuntimeError(f"this app was not built with a {cls.__name__}")
        return server


@dataclass
class Server(GatewayServer):
    """Everything ``warroom serve`` runs beside its HTTP API."""

    rollback_runner: RollbackRunner
    intake_metrics: IntakeMetrics
    integration_keys: KnownKeys
    release_runner: ReleaseRunner
    #: Ingests the intake log that the webhooks append to (also with ``--no-worker``).
    intake_processor: IntakeProcessor

    def start(self) -> None:
        super().start()
        self.intake_processor.start()
        self.rollback_runner.start()
        self.release_runner.start()

    def stop(self) -> None:
        self.intake_processor.stop()
        self.release_runner.stop()
        self.rollback_runner.stop()
        super().stop()


def _gateway_parts(container: Container, registry: CollectorRegistry) -> dict[str, Any]:
    from warroom.auth.service import KnownTokens
    from warroom.gateway.detection import DetectorLoop
    from warroom.gateway.metrics import GatewayMetrics
    from warroom.gateway.runtime import Gateway
    from warroom.gateway.sync import GatewaySync

    gateway = Gateway(container)
    container.routing_listeners.append(gateway.route)
    return {
        "container": container,
        "gateway": gateway,
        "sync": GatewaySync(gateway),
        "detectors": DetectorLoop(gateway),
        "registry": registry,
        "gateway_metrics": GatewayMetrics(registry),
        "api_tokens": KnownTokens(ttl=container.settings.integration_key_cache),
    }


def build_gateway(container: Container) -> GatewayServer:
    """The gateway alone (``warroom gateway``), with a Prometheus registry of its own."""
    from prometheus_client import CollectorRegistry, ProcessCollector

    registry = CollectorRegistry()
    ProcessCollector(registry=registry)  # process_resident_memory_bytes, as runbooks expect
    return GatewayServer(**_gateway_parts(container, registry))


def build_server(container: Container) -> Server:
    """Everything long-lived that ``warroom serve`` needs besides the container."""
    from prometheus_client import ProcessCollector

    from warroom.auth.service import KnownKeys
    from warroom.gateway.release_traffic import GatewayTraffic
    from warroom.intake.metrics import IntakeMetrics
    from warroom.intake.processor import IntakeProcessor
    from warroom.reports.prometheus import ResponseMetrics
    from warroom.runners.release import ReleaseRunner
    from warroom.runners.rollback import RollbackRunner

    intake_metrics = IntakeMetrics(container.db)
    registry = intake_metrics.registry
    registry.register(ResponseMetrics(container.db, container.playbook, container.clock))
    ProcessCollector(registry=registry)  # process_resident_memory_bytes, as runbooks expect
    parts = _gateway_parts(container, registry)
    rollback_runner = RollbackRunner(container)
    return Server(
        **parts,
        rollback_runner=rollback_runner,
        intake_metrics=intake_metrics,
        integration_keys=KnownKeys(ttl=container.settings.integration_key_cache),
        release_runner=ReleaseRunner(container, GatewayTraffic(parts["gateway"]), rollback_runner),
        intake_processor=IntakeProcessor(container, intake_metrics.count_ingest),
    )
