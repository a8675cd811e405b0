"""``warroom release SERVICE VERSION --artifact ...`` and ``warroom release status|pause|
resume|approve|abort``: release a model version safely through the HTTP API (shadow traffic,
canary steps judged against the serving version, approval gates), and follow or steer it."""

from __future__ import annotations

import time
from typing import Any

import typer
from rich.table import Table

from warroom.cli.common import JSON_OPTION, TOKEN_OPTION, URL_OPTION, Api, console, fail, print_json

ACTIONS = ("pause", "resume", "approve", "abort")
FINAL = ("promoted", "aborted")


def _weights(text: str | None, option: str) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        fail(f"{option}: expected weights in percent separated by commas, like 10,25,50,100")


def release(
    first: str = typer.Argument(..., help="model service, or status|pause|resume|approve|abort"),
    second: str = typer.Argument(None, help="version to release, or the release id / service"),
    artifact: str = typer.Option(None, "--artifact", help="model file or module:callable"),
    endpoint: str = typer.Option(None, "--endpoint", help="HTTP upstream URL instead"),
    shadow: str = typer.Option(None, "--shadow", help="shadow phase first, e.g. 10m"),
    steps: str = typer.Option(None, "--steps", help="canary weights, e.g. 10,25,50,100"),
    interval: str = typer.Option(None, "--interval", help="each step lasts at least, e.g. 5m"),
    approve_before: str = typer.Option(
        None, "--approve-before", help="steps that wait for a person, e.g. 100"
    ),
    reason: str = typer.Option("", "--reason", help="why (kept on the audit log)"),
    wait: bool = typer.Option(False, "--wait/--no-wait", help="follow until promoted or aborted"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Release a model version: shadow, canary steps judged by the detectors, promotion.

    `warroom release status [ID|SERVICE]` shows releases; `warroom release pause|resume|
    approve|abort ID` steers one.
    """
    api = Api(url, token)
    if first == "status":
        _status(api, second, as_json)
        return
    if first in ACTIONS:
        if second is None or not second.isdigit():
            fail(f"give the release id: warroom release {first} ID")
        row = api.call("POST", f"/api/v1/releases/{second}/{first}", json={"reason": reason})
        _show(row, as_json)
        return
    if second is None:
        fail("give the version to release: warroom release SERVICE VERSION --artifact ...")
    body: dict[str, Any] = {"version": second, "reason": reason}
    extra = {
        "artifact": artifact,
        "endpoint": endpoint,
        "shadow": shadow,
        "interval": interval,
        "steps": _weights(steps, "--steps"),
        "approve_before": _weights(approve_before, "--approve-before"),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    row = api.call("POST", f"/api/v1/services/{first}/releases", json=body)
    while wait and row["state"] not in FINAL:
        time.sleep(1)
        row = api.call("GET", f"/api/v1/releases/{row['id']}")
    _show(row, as_json)
    if row["state"] == "aborted":
        raise typer.Exit(1)


def _status(api: Api, which: str | None, as_json: bool) -> None:
    if which is not None and which.isdigit():
        _show(api.call("GET", f"/api/v1/releases/{which}"), as_json)
        return
    rows = api.call("GET", "/api/v1/releases", params={"service": which} if which else {})
    if as_json:
        print_json(rows)
        return
    table = Table("id", "service", "version", "from", "state", "step", "judgement", "started")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["service"],
            r["version"],
            r["stable_version"] or "",
            r["state"] + (" (paused)" if r["paused"] else ""),
            _step(r),
            (r["judgement"] or {}).get("verdict", ""),
            r["created_at"][:19],
        )
    console.print(table)


def _step(r: dict[str, Any]) -> str:
    if r["step"] < 0:
        return ""
    weights = r["steps"] + [100.0]
    return f"{r['step'] + 1}/{len(r['steps'])} ({weights[r['step']]:g}%)"


def _show(r: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(r)
        return
    paused = " (paused)" if r["paused"] else ""
    console.print(
        f"release {r['id']} {r['service']} {r['stable_version']} → {r['version']}: "
        f"{r['state']}{paused} {_step(r)}"
    )
    if r["reason"]:
        console.print(f"  {r['reason']}")
    for j in [*r["judgements"], *([r["judgement"]] if r["judgement"] else [])]:
        console.print(
            f"  {j.get('stage')} {j.get('weight', 0):g}%: {j['verdict']} — {j['summary']}"
        )
    if r["incident_id"]:
        console.print(f"  incident {r['incident_id']}, rollback {r['rollback_id']}")
