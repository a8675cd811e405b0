"""The ``warroom`` command: assembles the app from one module per command group, and the
entry point. Nothing heavy is imported here or by the command modules at import time, so
``warroom --help`` starts fast; each command imports what it needs when it runs."""

from __future__ import annotations

import sys

import typer

from warroom.cli import (
    action,
    alert,
    audit,
    baseline,
    db,
    demo,
    drill,
    evidence,
    export,
    incident,
    integration,
    jobs,
    notification,
    oncall,
    playbook,
    postmortem,
    readiness,
    release,
    report,
    review,
    rollback,
    runbook,
    server,
    service,
    silence,
    token,
)
from warroom.cli.common import CommandGroup, fail
from warroom.errors import WarroomError

app = typer.Typer(
    name="warroom",
    help="Incident response and automated model rollback for ML services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=CommandGroup,
)
# Top-level commands, in the order `warroom --help` lists them.
app.command("deploy")(service.deploy)
app.command("versions")(service.versions)
app.command("rollback")(rollback.rollback)
app.command("release")(release.release)
app.command("report")(report.report)
app.command("drill")(drill.drill)
app.command("worker")(server.worker)
app.command("readiness")(readiness.readiness)
app.command("diagnose")(runbook.diagnose)
app.command("serve")(server.serve)
app.command("gateway")(server.gateway)
app.command("demo")(demo.demo)
# Command groups, likewise.
app.add_typer(db.app, name="db")
app.add_typer(token.app, name="token")
app.add_typer(integration.app, name="integration")
app.add_typer(audit.app, name="audit")
app.add_typer(playbook.app, name="playbook")
app.add_typer(alert.app, name="alert")
app.add_typer(incident.app, name="incident")
app.add_typer(silence.app, name="silence")
app.add_typer(service.app, name="service")
app.add_typer(baseline.app, name="baseline")
app.add_typer(review.app, name="review")
app.add_typer(export.app, name="export")
app.add_typer(postmortem.app, name="postmortem")
app.add_typer(action.app, name="action")
app.add_typer(evidence.app, name="evidence")
app.add_typer(oncall.app, name="oncall")
app.add_typer(jobs.app, name="jobs")
app.add_typer(notification.app, name="notification")
app.add_typer(runbook.app, name="runbook")


def main() -> None:
    """Entry point: every expected failure is one line on stderr and a non-zero exit."""
    try:
        app()
    except WarroomError as exc:
        try:
            fail(str(exc))
        except typer.Exit as done:
            sys.exit(done.exit_code)
