"""The ``warroom`` command: assembles the app from one module per command group, and the
entry point. Nothing heavy is imported here or by the command modules at import time, so
``warroom --help`` starts fast; each command imports what it needs when it runs."""

from __future__ import annotations

import sys
from typing import Any

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
    init,
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
from warroom.cli.common import CommandGroup, err_console, fail
from warroom.errors import WarroomError

app = typer.Typer(
    name="warroom",
    help="Incident response and automated model rollback for ML services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=CommandGroup,
)


def _version(value: bool) -> None:
    if value:
        from warroom import __version__

        print(f"warroom {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="print the version and exit"
    ),
) -> None:
    """Incident response and automated model rollback for ML services."""


# Top-level commands, in the order `warroom --help` lists them.
app.command("init")(init.init)
app.command("deploy")(service.deploy)
app.command("versions")(service.versions)
app.command("rollback")(rollback.rollback)
app.command("rollbacks")(rollback.rollbacks)
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
    """Entry point: every expected failure is one line on stderr and a non-zero exit (2 for a
    command line that does not parse, as Click and kubectl do)."""
    try:
        from typer._click import exceptions as click  # Typer's own copy of Click (0.29+)
    except ImportError:  # pragma: no cover - a Typer that still uses Click itself
        from click import exceptions as click  # type: ignore[no-redef]

    command = typer.main.get_command(app)
    try:
        code = command.main(prog_name="warroom", standalone_mode=False)
    except click.UsageError as exc:
        sys.exit(_usage_error(exc))
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except WarroomError as exc:
        code = _failed(str(exc))
    sys.exit(code if isinstance(code, int) else 0)


def _usage_error(exc: Any) -> int:
    """``error: No such option: --bogus (see `warroom rollback --help`)``, on one line."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        return 0  # a group given no command printed its help: nothing went wrong
    where = exc.ctx.command_path if exc.ctx is not None else "warroom"
    message = " ".join(exc.format_message().replace("Value error, ", "").split())
    return _failed(f"{message} (see `{where} --help`)", code=exc.exit_code)


def _failed(message: str, code: int = 1) -> int:
    try:
        fail(message, code)
    except typer.Exit as done:
        return done.exit_code
