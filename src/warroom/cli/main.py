"""The ``warroom`` command."""

from __future__ import annotations

import sys

import typer
import uvicorn
from starlette.types import ASGIApp

from warroom.api.app import create_asgi
from warroom.bootstrap import Container, bootstrap
from warroom.cli import (
    admin,
    deploy,
    detection,
    directory,
    drill,
    learn,
    operate,
    readiness,
    respond,
    tasks,
)
from warroom.cli import guide as guide_cli
from warroom.cli.common import console, fail, settle_heap
from warroom.config import Settings
from warroom.errors import WarroomError
from warroom.worker.loop import Worker

app = typer.Typer(
    name="warroom",
    help="Incident response and automated model rollback for ML services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.token_app, name="token")
app.add_typer(admin.integration_app, name="integration")
app.add_typer(admin.audit_app, name="audit")
app.add_typer(admin.playbook_app, name="playbook")
app.add_typer(operate.alert_app, name="alert")
app.add_typer(operate.incident_app, name="incident")
app.add_typer(operate.silence_app, name="silence")
app.add_typer(deploy.service_app, name="service")
app.command("deploy")(deploy.deploy)
app.command("versions")(deploy.versions)
app.command("rollback")(deploy.rollback)
app.add_typer(detection.baseline_app, name="baseline")
app.add_typer(detection.review_app, name="review")
app.add_typer(detection.export_app, name="export")
app.add_typer(learn.postmortem_app, name="postmortem")
app.add_typer(learn.action_app, name="action")
app.add_typer(learn.evidence_app, name="evidence")
app.command("report")(learn.report)
app.command("drill")(drill.drill)
app.command("worker")(respond.worker)
app.add_typer(respond.oncall_app, name="oncall")
respond.oncall_app.add_typer(directory.person_app, name="person")
respond.oncall_app.add_typer(directory.team_app, name="team")
app.add_typer(respond.jobs_app, name="jobs")
app.add_typer(respond.notification_app, name="notification")
operate.incident_app.command("update")(respond.incident_update)
operate.incident_app.command("tasks")(tasks.incident_tasks)
operate.incident_app.command("check")(tasks.incident_check)
app.command("readiness")(readiness.readiness)
app.command("diagnose")(guide_cli.diagnose)
app.add_typer(guide_cli.runbook_app, name="runbook")


@app.command()
def serve(
    host: str = typer.Option(None, help="bind address (default WARROOM_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="port (default WARROOM_PORT or 8080)"),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="do not run the background worker here (run `warroom worker`)"
    ),
) -> None:
    """Run the API server and the background worker (migrations are applied first)."""
    settings = _bind(host, port)
    container = bootstrap(settings, migrate=True)
    worker = None if no_worker else Worker(container)
    if worker is not None:
        worker.start()
    try:
        _run(create_asgi(container), container, "warroom serving")
    finally:
        if worker is not None:
            worker.stop()
        container.close()


@app.command()
def gateway(
    host: str = typer.Option(None, help="bind address (default WARROOM_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="port (default WARROOM_PORT or 8080)"),
) -> None:
    """Run the embedded model gateway alone: predictions, feedback, the admin interface,
    /metrics and the detectors. The API, worker and rollbacks run in `warroom serve` on the
    same database; registry changes reach this gateway within WARROOM_GATEWAY_SYNC_INTERVAL."""
    from warroom.api.gateway_app import create_gateway_asgi

    settings = _bind(host, port)
    container = bootstrap(settings, migrate=True)
    try:
        _run(create_gateway_asgi(container), container, "warroom gateway serving")
    finally:
        container.close()


def _bind(host: str | None, port: int | None) -> Settings:
    settings = Settings()
    return settings.model_copy(
        update={"host": host or settings.host, "port": port or settings.port}
    )


def _run(asgi: ASGIApp, container: Container, what: str) -> None:
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


@app.command()
def demo(
    home: str = typer.Option(None, help="state directory (default: a new temporary one)"),
    keep_running: bool = typer.Option(False, "--keep-running", help="leave the server up"),
    as_json: bool = typer.Option(False, "--json", help="end with one JSON summary line"),
) -> None:
    """Run warroom for real on SQLite: alerts over HTTP become incidents, then a model
    release goes bad and warroom detects it, pages and escalates, rolls back, verifies,
    resolves after a stability window and writes the postmortem, report and evidence.
    Exits non-zero when a step did not happen."""
    import json

    from warroom.demo.run import KEYS, run_demo

    summary = run_demo(home=home, keep_running=keep_running, as_json=as_json)
    if as_json:
        print(json.dumps(summary))
    missing = [k for k in KEYS if summary.get(k) is None]
    if "failed" in summary or missing:
        why = summary.get("failed") or "no " + ", ".join(missing)
        fail(f"the demo did not complete: {why}")


def main() -> None:
    """Entry point: every expected failure is one line on stderr and a non-zero exit."""
    try:
        app()
    except WarroomError as exc:
        try:
            fail(str(exc))
        except typer.Exit as done:
            sys.exit(done.exit_code)
