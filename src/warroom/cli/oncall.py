"""``warroom oncall ...``: who is on call (who), schedules as iCalendar (export), and the
people and teams managed through the API (``oncall person ...``, ``oncall team ...``)."""

import sys
from pathlib import Path
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
    group,
    local,
    print_json,
)
from warroom.cli.render import rows_table

app = group("Who is on call, and schedules as iCalendar.")


@app.command("who")
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
    console.print(rows_table(rows, ["team", "role", "schedule", "person"]))


@app.command("export")
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


person_app = group("People and how to reach them (added to or replacing the playbook's).")
team_app = group("Teams: on-call schedules, manager, rooms (added to or replacing the playbook's).")


def _list(plural: str, url: str, token: str, as_json: bool) -> None:
    import yaml

    rows = Api(url, token).call("GET", f"/api/v1/oncall/{plural}")
    if as_json:
        print_json(rows)
        return
    table = Table("name", "source", "details")
    for row in rows:
        spec = {k: v for k, v in row["spec"].items() if k != "name"}
        table.add_row(row["name"], row["source"], yaml.safe_dump(spec, sort_keys=False).strip())
    console.print(table)


def _spec_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        fail(f"{path}: cannot read a YAML or JSON mapping: {exc}")
    if not isinstance(data, dict):
        fail(f"{path}: expected a mapping (the playbook's person or team entry)")
    return data


@person_app.command("list")
def person_list(
    url: str = URL_OPTION, token: str = TOKEN_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """Everyone in effect, and whether the playbook or the directory declares them."""
    _list("people", url, token, as_json)


@person_app.command("set")
def person_set(
    name: str,
    contact: list[str] = typer.Option(
        None, "--contact", help="CHANNEL or CHANNEL:ADDRESS (repeatable), e.g. pager:+15550100"
    ),
    full_name: str = typer.Option(None, help="the name people know them by"),
    file: Path = typer.Option(None, help="the entry as YAML/JSON, as in the playbook"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Add a person, or replace one by name (admin token)."""
    spec = _spec_file(file)
    if contact:
        spec["contacts"] = [
            {"channel": c.partition(":")[0], "to": c.partition(":")[2]} for c in contact
        ]
    if full_name:
        spec["full_name"] = full_name
    Api(url, token).call("PUT", f"/api/v1/oncall/people/{name}", json=spec)
    console.print(f"person {name} saved")


@person_app.command("remove")
def person_remove(name: str, url: str = URL_OPTION, token: str = TOKEN_OPTION) -> None:
    """Remove a person the directory added (admin token)."""
    Api(url, token).call("DELETE", f"/api/v1/oncall/people/{name}")
    console.print(f"person {name} removed")


@team_app.command("list")
def team_list(
    url: str = URL_OPTION, token: str = TOKEN_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """Every team in effect, and whether the playbook or the directory declares it."""
    _list("teams", url, token, as_json)


@team_app.command("set")
def team_set(
    name: str,
    file: Path = typer.Option(..., help="the team as YAML/JSON, as in the playbook's oncall.teams"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Add a team, or replace one by name (admin token)."""
    Api(url, token).call("PUT", f"/api/v1/oncall/teams/{name}", json=_spec_file(file))
    console.print(f"team {name} saved")


@team_app.command("remove")
def team_remove(name: str, url: str = URL_OPTION, token: str = TOKEN_OPTION) -> None:
    """Remove a team the directory added (admin token)."""
    Api(url, token).call("DELETE", f"/api/v1/oncall/teams/{name}")
    console.print(f"team {name} removed")


app.add_typer(person_app, name="person")
app.add_typer(team_app, name="team")
