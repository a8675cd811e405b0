"""``warroom incident tasks`` and ``warroom incident check``: an incident's checklist tasks."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from warroom.cli.common import JSON_OPTION, TOKEN_OPTION, URL_OPTION, Api, console, print_json


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table("id", "phase", "checklist", "task", "required", "done", "by", "at")
    for t in rows:
        table.add_row(
            str(t["id"]),
            t["phase"],
            t["checklist"],
            t["title"],
            "yes" if t["required"] else "no",
            "[green]✓[/green]" if t["checked_at"] else "",
            t["checked_by"] or "",
            t["checked_at"] or "",
        )
    return table


def incident_tasks(
    incident_id: str,
    open_only: bool = typer.Option(False, "--open", help="only tasks not checked off"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List an incident's checklist tasks (open required tasks block closing it)."""
    rows = Api(url, token).call("GET", f"/api/v1/incidents/{incident_id}/tasks")
    if open_only:
        rows = [t for t in rows if not t["checked_at"]]
    if as_json:
        print_json(rows)
        return
    console.print(_table(rows))
    blocking = sum(1 for t in rows if t["required"] and not t["checked_at"])
    console.print(f"{blocking} required task{'s' if blocking != 1 else ''} open", highlight=False)


def incident_check(
    incident_id: str,
    task_id: int = typer.Argument(..., help="task id, from `warroom incident tasks`"),
    undo: bool = typer.Option(False, "--undo", help="un-check a task checked by mistake"),
    note: str = typer.Option(None, "--note", "-m", help="kept on the timeline"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Check a task off (recorded with who and when), or un-check it with --undo."""
    action = "uncheck" if undo else "check"
    body = {"note": note} if note else None
    task = Api(url, token).call(
        "POST", f"/api/v1/incidents/{incident_id}/tasks/{task_id}/{action}", json=body
    )
    done = "open again" if undo else f"checked off by {task['checked_by']}"
    console.print(f"task {task_id} ({task['title']}) {done}", highlight=False)
