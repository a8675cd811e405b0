"""``warroom rollback SERVICE``: roll a model service back to its last stable version,
verified, through the HTTP API; ``warroom rollbacks``: list past rollbacks.

``warroom rollback history`` used to list them, which left no way to roll back a service named
``history``; it still lists (with a note on stderr), and ``warroom rollback --service history``
rolls that service back."""

import time

import typer

from warroom.cli.common import (
    JSON_OPTION,
    OUTPUT_OPTION,
    TOKEN_OPTION,
    URL_OPTION,
    Api,
    console,
    err_console,
    fail,
    output_mode,
    print_json,
)

FINAL = ("succeeded", "failed", "timed_out", "error")


def rollback(
    service: str = typer.Argument(None, help="model service", show_default=False),
    to: str = typer.Option(None, "--to", help="target version (default: last stable)"),
    incident: str = typer.Option(None, "--incident", help="incident this rollback mitigates"),
    dry_run: bool = typer.Option(False, "--dry-run", help="print the plan, change nothing"),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="wait for the outcome"),
    only: str = typer.Option(
        None, "--service", help="the service, as an option (for a service named `history`)"
    ),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Roll a model service back to its last stable version, verified. `warroom rollbacks`
    lists past rollbacks."""
    api = Api(url, token)
    if service == "history":
        err_console.print(
            "[dim]`warroom rollback history` is deprecated: use `warroom rollbacks`; to roll "
            "back a service named history: warroom rollback --service history[/dim]",
            highlight=False,
        )
        _history(api, only, "json" if as_json else "table")
        return
    service = service or only
    if not service:
        fail("name the service to roll back: warroom rollback SERVICE")
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


def rollbacks(
    service: str = typer.Option(None, "--service", help="one service only"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    output: str = OUTPUT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List past rollbacks, newest first."""
    _history(Api(url, token), service, output_mode(output, as_json))


def _history(api: Api, service: str | None, mode: str) -> None:
    from warroom.cli.render import listing, when

    rows = api.call("GET", "/api/v1/rollbacks", params={"service": service} if service else {})
    if mode == "json":
        print_json(rows)
        return
    columns = [("id", "key"), ("service", "text"), ("from", "text"), ("to", "text")]
    columns += [("trigger", "wide"), ("state", "text"), ("seconds", "wide")]
    columns += [("incident", "wide"), ("requested (UTC)", "key")]
    cells = [
        [
            str(r["id"]),
            r["service"],
            r["from_version"] or "",
            r["to_version"],
            r["trigger"],
            r["state"],
            f"{r['duration_seconds']:.1f}" if r["duration_seconds"] is not None else "",
            r["incident_id"] or "",
            when(r["requested_at"]),
        ]
        for r in rows
    ]
    console.print(listing(columns, cells, wide=mode == "wide"))
