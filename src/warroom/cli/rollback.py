"""``warroom rollback SERVICE`` and ``warroom rollback history``: roll a model service back to
its last stable version, verified, through the HTTP API; list past rollbacks."""

import time

import typer
from rich.table import Table

from warroom.cli.common import JSON_OPTION, TOKEN_OPTION, URL_OPTION, Api, console, print_json

FINAL = ("succeeded", "failed", "timed_out", "error")


def rollback(
    service: str = typer.Argument(..., help="model service, or `history` to list rollbacks"),
    to: str = typer.Option(None, "--to", help="target version (default: last stable)"),
    incident: str = typer.Option(None, "--incident", help="incident this rollback mitigates"),
    dry_run: bool = typer.Option(False, "--dry-run", help="print the plan, change nothing"),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="wait for the outcome"),
    only: str = typer.Option(None, "--service", help="with `history`: one service only"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Roll a model service back to its last stable version, verified.

    `warroom rollback history [--service S] [--json]` lists past rollbacks.
    """
    api = Api(url, token)
    if service == "history":
        _history(api, only, as_json)
        return
    body = {"to_version": to, "incident_id": incident, "dry_run": dry_run}
    result = api.call("POST", f"/api/v1/services/{service}/rollback", json=body)
    if dry_run:
        if as_json:
            print_json(result)
            return
        console.print(
            f"plan: {service} {result['from_version']} → {result['to_version']} "
            f"via {result['backend']}"
        )
        for i, step in enumerate(result["steps"], 1):
            console.print(f"  {i}. {step}")
        return
    while wait and result["state"] not in FINAL:
        time.sleep(0.2)
        result = api.call("GET", f"/api/v1/rollbacks/{result['id']}")
    if as_json:
        print_json(result)
    else:
        console.print(
            f"rollback {result['id']} {service} {result['from_version']} → "
            f"{result['to_version']}: {result['state']} {result['reason']}"
        )
    if result["state"] in ("failed", "timed_out", "error"):
        raise typer.Exit(1)


def _history(api: Api, service: str | None, as_json: bool) -> None:
    rows = api.call("GET", "/api/v1/rollbacks", params={"service": service} if service else {})
    if as_json:
        print_json(rows)
        return
    table = Table(
        "id", "service", "from", "to", "trigger", "state", "seconds", "incident", "requested (UTC)"
    )
    for r in rows:
        seconds = f"{r['duration_seconds']:.1f}" if r["duration_seconds"] is not None else ""
        table.add_row(
            str(r["id"]),
            r["service"],
            r["from_version"] or "",
            r["to_version"],
            r["trigger"],
            r["state"],
            seconds,
            r["incident_id"] or "",
            r["requested_at"][:19],
        )
    console.print(table)
