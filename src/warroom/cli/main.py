"""The ``warroom`` command."""

from __future__ import annotations

import sys

import typer
import uvicorn

from warroom.api.app import create_asgi
from warroom.bootstrap import bootstrap
from warroom.cli import admin, deploy, detection, learn, operate, respond
from warroom.cli.common import console, fail
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
app.command("worker")(respond.worker)
app.command("oncall")(respond.oncall)
app.add_typer(respond.jobs_app, name="jobs")
app.add_typer(respond.notification_app, name="notification")
operate.incident_app.command("update")(respond.incident_update)


@app.command()
def serve(
    host: str = typer.Option(None, help="bind address (default WARROOM_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="port (default WARROOM_PORT or 8080)"),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="do not run the background worker here (run `warroom worker`)"
    ),
) -> None:
    """Run the API server and the background worker (migrations are applied first)."""
    settings = Settings()
    settings = settings.model_copy(
        update={"host": host or settings.host, "port": port or settings.port}
    )
    container = bootstrap(settings, migrate=True)
    # Model predictions keep one thread busy; a shorter GIL switch interval keeps the
    # I/O-bound threads (rollback runner, registry sync, snapshots) from queueing behind it.
    sys.setswitchinterval(0.0005)
    console.print(
        f"warroom serving on http://{settings.host}:{settings.port} "
        f"(database: {container.db.engine.url.render_as_string(hide_password=True)})",
        highlight=False,
    )
    worker = None if no_worker else Worker(container)
    if worker is not None:
        worker.start()
    try:
        uvicorn.run(
            create_asgi(container),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            access_log=False,
        )
    finally:
        if worker is not None:
            worker.stop()
        container.close()


@app.command()
def demo(
    home: str = typer.Option(None, help="state directory (default: a new temporary one)"),
    keep_running: bool = typer.Option(False, "--keep-running", help="leave the server up"),
    as_json: bool = typer.Option(False, "--json", help="end with one JSON summary line"),
) -> None:
    """Run warroom for real on SQLite: alerts over HTTP become incidents, then a model
    release goes bad and warroom detects it, rolls back, verifies and drafts the postmortem."""
    import json

    from warroom.demo import run_demo

    summary = run_demo(home=home, keep_running=keep_running, as_json=as_json)
    if as_json:
        print(json.dumps(summary))


def main() -> None:
    """Entry point: every expected failure is one line on stderr and a non-zero exit."""
    try:
        app()
    except WarroomError as exc:
        try:
            fail(str(exc))
        except typer.Exit as done:
            sys.exit(done.exit_code)
