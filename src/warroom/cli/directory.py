"""``warroom oncall person|team``: people and teams managed through the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
import yaml
from rich.table import Table

from warroom.cli.common import JSON_OPTION, TOKEN_OPTION, URL_OPTION, Api, console, fail, print_json

person_app = typer.Typer(
    help="People and how to reach them (added to or replacing the playbook's).",
    no_args_is_help=True,
)
team_app = typer.Typer(
    help="Teams: on-call schedules, manager, rooms (added to or replacing the playbook's).",
    no_args_is_help=True,
)


def _list(plural: str, url: str, token: str, as_json: bool) -> None:
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
