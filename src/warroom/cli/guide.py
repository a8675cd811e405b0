"""Runbooks and diagnostics: `warroom diagnose`, `warroom runbook ...`, and the runbook part
of `warroom incident show`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from warroom.cli.common import JSON_OPTION, TOKEN_OPTION, URL_OPTION, Api, console, print_json
from warroom.config import Settings
from warroom.playbook.loader import load_playbook
from warroom.playbook.runbook import load_runbooks, runbook_dir

runbook_app = typer.Typer(help="Runbooks: list, show, validate.", no_args_is_help=True)
STATUS_STYLE = {"ok": "green", "failed": "bold red", "error": "yellow"}


def diagnose(
    incident_id: str,
    step: str = typer.Argument(None, help="a declared step; default: every runbook step"),
    output: bool = typer.Option(False, "--output", help="print each step's output excerpt"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Run the incident's runbook diagnostics now (or one declared STEP) and record them."""
    results = Api(url, token).call(
        "POST",
        f"/api/v1/incidents/{incident_id}/diagnostics",
        json={"steps": [step] if step else []},
    )
    if as_json:
        print_json(results)
        return
    console.print(results_table(results))
    for r in results if output else []:
        console.rule(f"{r['step']} ({r['kind']})")
        console.print(r["output"], markup=False, highlight=False)


def results_table(results: list[dict[str, Any]], title: str = "Diagnostics") -> Table:
    table = Table("step", "kind", "status", "duration", "summary", title=title)
    for r in results:
        style = STATUS_STYLE.get(r["status"], "")
        table.add_row(
            r["step"],
            r["kind"],
            f"[{style}]{r['status']}[/]",
            f"{r['duration_seconds']:.2f}s",
            r["summary"],
        )
    return table


def incident_runbook(api: Api, incident_id: str) -> dict[str, Any]:
    """The incident's runbook and diagnostic results, for `warroom incident show`."""
    linked = api.call("GET", f"/api/v1/incidents/{incident_id}/runbook")
    results = api.call("GET", f"/api/v1/incidents/{incident_id}/diagnostics")
    return {"runbook": linked["runbook"], "diagnostics": results}


def print_incident_runbook(out: Console, found: dict[str, Any]) -> None:
    runbook = found["runbook"]
    if runbook is None:
        out.print("  runbook          none applies (add a generic runbook)")
    else:
        out.print(f"  runbook          {runbook['title']} ({runbook['name']}): {runbook['url']}")
        if runbook["dashboard"]:
            out.print(f"  dashboard        {runbook['dashboard']}")
        causes = Table("cause", "action", title="Runbook: cause → action")
        for c in runbook["causes"]:
            causes.add_row(c["cause"], c["action"])
        out.print(causes)
    if found["diagnostics"]:
        out.print(results_table(found["diagnostics"]))


@runbook_app.command("list")
def runbook_list(
    url: str = URL_OPTION, token: str = TOKEN_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """The server's runbooks and the alerts each applies to."""
    rows = Api(url, token).call("GET", "/api/v1/runbooks")
    if as_json:
        print_json(rows)
        return
    table = Table("name", "title", "alerts", "steps", title="Runbooks")
    for r in rows:
        table.add_row(
            r["name"],
            r["title"],
            ", ".join(r["alerts"]) or "(any)",
            ", ".join(s["name"] for s in r["steps"]),
        )
    console.print(table)


@runbook_app.command("show")
def runbook_show(
    name: str, url: str = URL_OPTION, token: str = TOKEN_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """A runbook's Markdown."""
    found = Api(url, token).call("GET", f"/api/v1/runbooks/{name}")
    if as_json:
        print_json(found)
    else:
        print(found["markdown"], end="")


@runbook_app.command("validate")
def runbook_validate(
    playbook: Path = typer.Option(None, help="playbook file (default WARROOM_PLAYBOOK)"),
) -> None:
    """Check the playbook's runbooks; print every problem with its file and key path."""
    path = playbook or Settings().playbook
    policy = load_playbook(path).runbooks
    found = load_runbooks(policy, path)
    console.print(
        f"{len(found)} runbook(s) valid in {runbook_dir(policy, path)}: "
        + ", ".join(r.name for r in found),
        highlight=False,
    )
