"""Commands of the response engine: worker, jobs, on-call, notifications, status updates."""

from __future__ import annotations

import signal
import sys
from typing import Any

import typer
from rich.table import Table

from warroom.cli.common import (
    JSON_OPTION,
    TOKEN_OPTION,
    URL_OPTION,
    Api,
    console,
    fail,
    local,
    print_json,
    settle_heap,
)

jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
notification_app = typer.Typer(help="The notification outbox.", no_args_is_help=True)


def worker() -> None:
    """Run the background worker alone (pages, escalations, deliveries, reminders)."""
    from warroom.worker.loop import Worker

    with local() as container:
        runner = Worker(container)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: runner.request_stop())
        console.print(
            f"warroom worker on {container.db.engine.url.render_as_string(hide_password=True)}",
            highlight=False,
        )
        settle_heap()
        runner.run_forever()


def _table(rows: list[dict[str, Any]], columns: list[str]) -> Table:
    table = Table(*columns)
    for row in rows:
        table.add_row(*(str(row.get(c) if row.get(c) is not None else "") for c in columns))
    return table


@jobs_app.command("list")
def jobs_list(
    status: str = typer.Option(None, help="pending, running, done or dead"),
    kind: str = typer.Option(None, help="job kind, e.g. notify.deliver"),
    limit: int = typer.Option(50, min=1, max=1000),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List jobs, newest first."""
    params: dict[str, Any] = {"limit": limit}
    params.update({k: v for k, v in (("status", status), ("kind", kind)) if v})
    rows = Api(url, token).call("GET", "/api/v1/jobs", params=params)
    if as_json:
        print_json(rows)
        return
    columns = ["id", "kind", "status", "due_at", "attempts", "last_error"]
    console.print(_table(rows, columns))


@jobs_app.command("retry")
def jobs_retry(job_id: int, url: str = URL_OPTION, token: str = TOKEN_OPTION) -> None:
    """Run a dead job again (admin)."""
    Api(url, token).call("POST", f"/api/v1/jobs/{job_id}/retry")
    console.print(f"job {job_id} is pending again")


@notification_app.command("list")
def notification_list(
    incident: str = typer.Option(None, help="only this incident's"),
    status: str = typer.Option(None, help="pending, sent, failed or dead"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List notifications, newest first."""
    params = {k: v for k, v in (("incident_id", incident), ("status", status)) if v}
    rows = Api(url, token).call("GET", "/api/v1/notifications", params=params)
    if as_json:
        print_json(rows)
        return
    columns = ["id", "incident_id", "person", "channel", "target", "level", "status", "attempts"]
    console.print(_table(rows, columns))


oncall_app = typer.Typer(help="Who is on call, and schedules as iCalendar.", no_args_is_help=True)


@oncall_app.command("who")
def oncall_who(
    team: str = typer.Option(None, help="only this team (default: every team)"),
    at: str = typer.Option(None, help="ISO 8601 instant with offset (default: now)"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Who is on call, per team and role, now or at --at."""
    params = {k: v for k, v in (("at", at), ("team", team)) if v}
    rows = Api(url, token).call("GET", "/api/v1/oncall", params=params)
    if as_json:
        print_json(rows)
        return
    console.print(_table(rows, ["team", "role", "schedule", "person"]))


@oncall_app.command("export")
def oncall_export(
    team: str = typer.Option(..., help="the team whose schedules to export"),
    days: int = typer.Option(28, min=1, max=366, help="how many days from --start"),
    start: str = typer.Option(None, help="ISO 8601 instant with offset (default: now)"),
) -> None:
    """Print the team's on-call shifts as iCalendar: warroom oncall export --team X > x.ics.

    Reads the playbook (WARROOM_PLAYBOOK) and the people and teams managed through the API
    from the database (WARROOM_DATABASE_URL) directly: no server needed."""
    from datetime import UTC, datetime

    from warroom.errors import WarroomError
    from warroom.oncall.calendar import team_calendar

    now = datetime.now(UTC)
    try:
        begin = datetime.fromisoformat(start) if start else now
    except ValueError:
        fail(f"--start: not an ISO 8601 instant: {start!r}")
    if begin.tzinfo is None:
        fail("--start needs a UTC offset, e.g. 2026-11-23T00:00:00Z")
    try:
        with local() as container:
            body = team_calendar(container.playbook.oncall, team, start=begin, days=days, now=now)
    except WarroomError as exc:
        fail(str(exc))
    sys.stdout.write(body.decode())


def incident_update(
    incident_id: str,
    message: str = typer.Option(..., "--message", "-m", help="what is known now"),
    status: str = typer.Option(
        "investigating", help="investigating, identified, monitoring or resolved"
    ),
    impact: str = typer.Option(None, help="user impact, one line"),
    next_update_at: str = typer.Option(
        None, "--next", help="ISO 8601 time of the next update (default: by severity)"
    ),
    public: bool = typer.Option(False, "--public", help="show it on the status page"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Post a status update (seed 001's template: status, impact, next update)."""
    body = {
        "status": status,
        "message": message,
        "impact": impact,
        "next_update_at": next_update_at,
        "public": public,
    }
    row = Api(url, token).call("POST", f"/api/v1/incidents/{incident_id}/updates", json=body)
    if as_json:
        print_json(row)
        return
    nxt = f"; next update by {row['next_update_at']}" if row["next_update_at"] else ""
    console.print(f"update {row['id']} posted on {incident_id} ({row['status']}){nxt}")
