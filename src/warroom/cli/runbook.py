"""``warroom runbook ...`` (list, show, validate) and ``warroom diagnose``: runbooks and their
diagnostics. The runbook part of ``warroom incident show`` is drawn by ``cli.render``."""

from pathlib import Path

import typer
from rich.table import Table

from warroom.cli.common import (
    JSON_OPTION,
    TOKEN_OPTION,
    URL_OPTION,
    Api,
    console,
    group,
    print_json,
)
from warroom.cli.render import results_table

app = group("Runbooks: list, show, validate.")


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


@app.command("list")
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


@app.command("show")
def runbook_show(
    name: str, url: str = URL_OPTION, token: str = TOKEN_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """A runbook's Markdown."""
    found = Api(url, token).call("GET", f"/api/v1/runbooks/{name}")
    if as_json:
        print_json(found)
    else:
        print(found["markdown"], end="")


@app.command("validate")
def runbook_validate(
    playbook: Path = typer.Option(None, help="playbook file (default WARROOM_PLAYBOOK)"),
) -> None:
    """Check the playbook's runbooks; print every problem with its file and key path."""
    from warroom.config import Settings
    from warroom.playbook.loader import load_playbook
    from warroom.playbook.runbook import load_runbooks, runbook_dir

    path = playbook or Settings().playbook
    policy = load_playbook(path).runbooks
    found = load_runbooks(policy, path)
    console.print(
        f"{len(found)} runbook(s) valid in {runbook_dir(policy, path)}: "
        + ", ".join(r.name for r in found),
        highlight=False,
    )
