"""The long-running processes: ``warroom serve`` (API server and worker), ``warroom worker``
(the background worker alone) and ``warroom gateway`` (the model gateway alone).

The FastAPI apps, uvicorn and the worker are imported by the command that runs them, not
when the CLI starts."""

import sys
from typing import TYPE_CHECKING

import typer

from warroom.cli.common import console, local, settle_heap

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from warroom.bootstrap import Container
    from warroom.config import Settings


def serve(
    host: str = typer.Option(None, help="bind address (default WARROOM_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="port (default WARROOM_PORT or 8080)"),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="do not run the background worker here (run `warroom worker`)"
    ),
) -> None:
    """Run the API server and the background worker (migrations are applied first)."""
    from warroom.api.app import create_asgi
    from warroom.bootstrap import bootstrap
    from warroom.worker.loop import Worker
    from warroom.worker.pager import Pager

    settings = _bind(host, port)
    container = bootstrap(settings, migrate=True)
    runner = Worker(container)
    # Even without a worker, this process sends the pages it commits, right after the commit.
    pager = Pager(runner)
    pager.start()
    if not no_worker:
        runner.start()
    try:
        _run(create_asgi(container), container, "warroom serving")
    finally:
        if not no_worker:
            runner.stop()
        pager.stop()
        container.close()


def worker() -> None:
    """Run the background worker alone (pages, escalations, deliveries, reminders), and the
    intake processor that ingests the webhooks' log."""
    import signal

    from warroom.intake.processor import IntakeProcessor
    from warroom.worker.loop import Worker
    from warroom.worker.pager import Pager

    with local(create=True) as container:
        runner = Worker(container)
        processor = IntakeProcessor(container)
        # The pages of the escalation levels this worker runs leave right after their commit.
        pager = Pager(runner)
        pager.start()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: runner.request_stop())
        console.print(
            f"warroom worker on {container.db.engine.url.render_as_string(hide_password=True)}",
            highlight=False,
        )
        settle_heap()
        processor.start()
        try:
            runner.run_forever()
        finally:
            processor.stop()
            pager.stop()


def gateway(
    host: str = typer.Option(None, help="bind address (default WARROOM_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="port (default WARROOM_PORT or 8080)"),
) -> None:
    """Run the embedded model gateway alone: predictions, feedback, the admin interface,
    /metrics and the detectors. The API, worker and rollbacks run in `warroom serve` on the
    same database; registry changes reach this gateway within WARROOM_GATEWAY_SYNC_INTERVAL."""
    from warroom.api.gateway_app import create_gateway_asgi
    from warroom.bootstrap import bootstrap

    settings = _bind(host, port)
    container = bootstrap(settings, migrate=True)
    try:
        _run(create_gateway_asgi(container), container, "warroom gateway serving")
    finally:
        container.close()


def _bind(host: str | None, port: int | None) -> "Settings":
    from warroom.config import Settings

    settings = Settings()
    return settings.model_copy(
        update={"host": host or settings.host, "port": port or settings.port}
    )


def _run(asgi: "ASGIApp", container: "Container", what: str) -> None:
    import uvicorn

    settings = container.settings
    # Model predictions keep one thread busy; a shorter GIL switch interval keeps the
    # I/O-bound threads (rollback runner, registry sync, snapshots) from queueing behind it.
    sys.setswitchinterval(0.0005)
    settle_heap()
    console.print(
        f"{what} on http://{settings.host}:{settings.port} "
        f"(database: {container.db.engine.url.render_as_string(hide_password=True)})",
        highlight=False,
    )
    uvicorn.run(
        asgi, host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False
    )
