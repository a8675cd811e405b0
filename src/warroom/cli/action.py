"""``warroom action ...``: action items that follow an incident, through the HTTP API: add,
list, done."""

from datetime import datetime
from typing import Any

import typer
from rich.table import Table

from warroom.cli.common import (
    ALL_OPTION,
    JSON_OPTION,
    TOKEN_OPTION,
    URL_OPTION,
    Api,
    console,
    group,
    limit_option,
    print_json,
)

app = group("Action items that follow an incident.")


@app.command("add")
def action_add(
    incident_id: str,
    title: str,
    owner: str = typer.Option(None, help="who does it"),
    priority: str = typer.Option("medium", help="high, medium or low"),
    due: datetime = typer.Option(None, help="due date (UTC), default: playbook delay"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Add an action item to an incident (shown in its postmortem)."""
    body: dict[str, Any] = {"title": title, "owner": owner, "priority": priority}
    if due:
        body["due_at"] = due.isoformat() + ("" if due.tzinfo else "+00:00")
    row = Api(url, token).call("POST", f"/api/v1/incidents/{incident_id}/actions", json=body)
    console.print(f"action item {row['id']} added to {incident_id}, due {row['due_at'][:10]}")


@app.command("list")
def action_list(
    incident: str = typer.Option(None, help="only this incident's items"),
    overdue: bool = typer.Option(False, "--overdue"),
    open_only: bool = typer.Option(False, "--open", help="only open or in progress"),
    limit: int = limit_option(100),
    every: bool = ALL_OPTION,
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List action items."""
    params: dict[str, Any] = {"overdue": overdue}
    if incident:
        params["incident"] = incident
    if open_only:
        params["status"] = ["open", "in_progress"]
    rows = Api(url, token).rows("/api/v1/actions", params, limit=limit, every=every)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "incident", "title", "owner", "priority", "due (UTC)", "status")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["incident_id"],
            r["title"],
            r["owner"] or "",
            r["priority"],
            (r["due_at"] or "")[:10],
            r["status"],
        )
    console.print(table)


@app.command("done")
def action_done(
    action_id: int,
    wont_do: bool = typer.Option(False, "--wont-do", help="close it without doing it"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Mark an action item done (or won't do)."""
    status = "wont_do" if wont_do else "done"
    Api(url, token).call("PATCH", f"/api/v1/actions/{action_id}", json={"status": status})
    console.print(f"action item {action_id} is {status}")
