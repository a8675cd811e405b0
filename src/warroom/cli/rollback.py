"""``warroom rollback SERVICE``, ``warroom rollback status ID``: roll a model service back to
its last stable version, verified, through the HTTP API, following each step as it happens;
look one rollback up. ``warroom rollbacks`` lists past rollbacks.

``warroom rollback history`` used to list them, which left no way to roll back a service named
``history``; it still lists (with a note on stderr), and ``warroom rollback --service history``
rolls that service back (likewise ``--service status``).

Exit codes, for scripts: 0 succeeded (switched and verified), 1 failed, reverted (routing put
back), timed out or error, 3 inconclusive (switched, too little traffic to verify it), 4
still in progress (``status`` only)."""

import time
from typing import Any

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

FINAL = ("succeeded", "inconclusive", "reverted", "failed", "timed_out", "error")
EXIT_CODES = {"succeeded": 0, "inconclusive": 3}
IN_PROGRESS = 4


def exit_code(state: str) -> int:
    """What a script sees: 0 only for a verified rollback."""
    if state not in FINAL:
        return IN_PROGRESS
    return EXIT_CODES.get(state, 1)


def rollback(
    ctx: typer.Context,
    service: str = typer.Argument(
        None, help="model service; `status ID` looks a rollback up", show_default=False
    ),
    rollback_id: str = typer.Argument(
        None, help="with `status`: the rollback id", show_default=False
    ),
    to: str = typer.Option(None, "--to", help="target version (default: last stable)"),
    incident: str = typer.Option(None, "--incident", help="incident this rollback mitigates"),
    dry_run: bool = typer.Option(False, "--dry-run", help="print the plan, change nothing"),
    wait: bool = typer.Option(
        True, "--wait/--no-wait", help="follow the steps to the outcome (or print the id)"
    ),
    only: str = typer.Option(
        None, "--service", help="the service, as an option (for a service named `history`)"
    ),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Roll a model service back to its last stable version, verified.

    Prints each step as it happens. Exit code: 0 verified, 1 failed/reverted/timed out/error,
    3 inconclusive (too little traffic to verify). `warroom rollback status ID [--wait]`
    shows one rollback (exit code 4 while it runs); `warroom rollbacks` lists past rollbacks.
    """
    api = Api(url, token)
    if service == "history":
        err_console.print(
            "[dim]`warroom rollback history` is deprecated: use `warroom rollbacks`; to roll "
            "back a service named history: warroom rollback --service history[/dim]",
            highlight=False,
        )
        _history(api, only, "json" if as_json else "table")
        return
    if service == "status" and not only:
        # `status ID` shows the rollback as it stands; it follows it only when --wait is given.
        given = getattr(ctx.get_parameter_source("wait"), "name", None) == "COMMANDLINE"
        _status(api, rollback_id, wait=wait and given, as_json=as_json)
        return
    service = service or only
    if not service:
        fail("name the service to roll back: warroom rollback SERVICE")
    body = {"to_version": to, "incident_id": incident, "dry_run": dry_run}
    result = api.call("POST", f"/api/v1/services/{service}/rollback", json=body)
    if dry_run:
        _print_plan(service, result, as_json)
        return
    if not wait:
        if as_json:
            print_json(result)
        else:
            console.print(
                f"rollback {result['id']} of {service} requested ({result['from_version']} → "
                f"{result['to_version']}); follow it with: warroom rollback status "
                f"{result['id']} --wait"
            )
        return
    if not as_json:
        console.print(
            f"rollback {result['id']}: {service} {result['from_version']} → {result['to_version']}"
        )
    result = _follow(api, result, quiet=as_json)
    _finish(result, as_json)


def _status(api: Api, rollback_id: str | None, *, wait: bool, as_json: bool) -> None:
    if not rollback_id or not rollback_id.isdigit():
        fail("give the rollback id: warroom rollback status ID [--wait]", code=2)
    result = api.call("GET", f"/api/v1/rollbacks/{rollback_id}")
    if not as_json:
        console.print(
            f"rollback {result['id']}: {result['service']} {result['from_version']} → "
            f"{result['to_version']} ({result['trigger']}, by {result['actor']})"
        )
    if wait or result["state"] in FINAL:
        result = _follow(api, result, quiet=as_json)
        _finish(result, as_json)
        return
    if as_json:
        print_json(result)
    else:
        for step in result["steps"]:
            console.print(_step_line(step))
        console.print(f"  … {result['state']}{_waiting(result)}")
    raise typer.Exit(exit_code(result["state"]))


def _follow(api: Api, result: dict[str, Any], *, quiet: bool) -> dict[str, Any]:
    """Poll until a final state, printing each step once and the verification's progress."""
    shown, last_note = 0, ""
    while True:
        for step in result["steps"][shown:]:
            if not quiet:
                console.print(_step_line(step))
        shown = len(result["steps"])
        note = f"{result['state']}{_waiting(result)}"
        if not quiet and result["state"] == "verifying" and note != last_note:
            console.print(f"  … {note}")
            last_note = note
        if result["state"] in FINAL:
            return result
        time.sleep(0.2)
        result = api.call("GET", f"/api/v1/rollbacks/{result['id']}")


def _step_line(step: dict[str, Any]) -> str:
    ms = f" ({step['ms']:g} ms)" if step.get("ms") is not None else ""
    return f"  ✓ {step['step']}{ms}"


def _waiting(result: dict[str, Any]) -> str:
    found = result.get("verification") or {}
    if "requests" not in found or result["state"] != "verifying":
        return ""
    return (
        f": {found['requests']:g} of {found.get('min_requests', '?')} requests to "
        f"{result['to_version']} so far"
    )


def _finish(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(result)
    else:
        console.print(f"{result['state']}: {result['reason']}", highlight=False)
    raise typer.Exit(exit_code(result["state"]))


def _print_plan(service: str, result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    console.print(
        f"plan: {service} {result['from_version']} → {result['to_version']} via {result['backend']}"
    )
    for i, step in enumerate(result["steps"], 1):
        console.print(f"  {i}. {step}")
    for reason in result.get("skipped", []):
        console.print(f"  (skipped {reason})")


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
