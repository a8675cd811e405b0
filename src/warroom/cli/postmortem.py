"""``warroom postmortem ...``: postmortem drafts, edits and reviews, through the HTTP API:
create, show, chart, edit, status, list."""

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
    print_json,
)

app = group("Postmortem drafts, edits and reviews.")


def _pm_path(incident_id: str) -> str:
    return f"/api/v1/incidents/{incident_id}/postmortem"


@app.command("create")
def pm_create(
    incident_id: str,
    template: str = typer.Option(None, help="full, short or a team template (default: playbook)"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Draft the incident's postmortem from its record and store it."""
    row = Api(url, token).call(
        "POST", _pm_path(incident_id), json={"template": template} if template else None
    )
    due = row["due_at"][:16].replace("T", " ") + " UTC" if row["due_at"] else "no due date"
    console.print(f"postmortem of {incident_id} drafted ({row['template']} template), {due}")


@app.command("show")
def pm_show(
    incident_id: str,
    fmt: str = typer.Option("md", "--format", help="md or html"),
    version: int = typer.Option(None, help="a stored version (default: the latest)"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Print the postmortem as Markdown or HTML."""
    params: dict[str, Any] = {"format": fmt}
    if version:
        params["version"] = version
    api = Api(url, token)
    response = api.client.get(f"{_pm_path(incident_id)}/export", params=params)
    if response.status_code >= 400:
        api.call("GET", f"{_pm_path(incident_id)}/export", params=params)  # one-line error
    typer.echo(response.text, nl=False)


@app.command("chart")
def pm_chart(incident_id: str, out: Path, url: str = URL_OPTION, token: str = TOKEN_OPTION) -> None:
    """Save the incident's chart (PNG)."""
    api = Api(url, token)
    response = api.client.get(f"{_pm_path(incident_id)}/chart.png")
    if response.status_code >= 400:
        api.call("GET", f"{_pm_path(incident_id)}/chart.png")
    out.write_bytes(response.content)
    console.print(f"chart written to {out}")


@app.command("edit")
def pm_edit(
    incident_id: str,
    note: str = typer.Option(None, "-m", "--note", help="what changed"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Edit the postmortem in $EDITOR; saving stores a new version."""
    import os
    import shlex
    import subprocess
    import tempfile

    api = Api(url, token)
    row = api.call("GET", _pm_path(incident_id))
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{incident_id}-postmortem.md"
        path.write_text(row["markdown"])
        if subprocess.call([*shlex.split(editor), str(path)]) != 0:
            fail(f"{editor} exited with an error: postmortem left unchanged")
        text = path.read_text()
    if text == row["markdown"]:
        console.print("no change")
        return
    body = {"markdown": text, "base_version": row["version"], "note": note}
    saved = api.call("PUT", _pm_path(incident_id), json=body)
    console.print(f"postmortem of {incident_id} saved as version {saved['version']}")


@app.command("status")
def pm_status(
    incident_id: str,
    status: str = typer.Argument(..., help="draft, in_review or published"),
    category: str = typer.Option(None, "--root-cause", help="root-cause category"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Move the postmortem through review (and set its root-cause category)."""
    body: dict[str, Any] = {"status": status}
    if category:
        body["root_cause_category"] = category
    row = Api(url, token).call("PUT", _pm_path(incident_id), json=body)
    console.print(f"postmortem of {incident_id} is {row['status']}")


@app.command("list")
def pm_list(
    overdue: bool = typer.Option(False, "--overdue", help="only overdue ones"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List postmortems, or the overdue ones (including those not yet written)."""
    api = Api(url, token)
    rows = api.call("GET", "/api/v1/postmortems/overdue" if overdue else "/api/v1/postmortems")
    if as_json:
        print_json(rows)
        return
    if overdue:
        for r in rows:
            console.print(r["message"], highlight=False)
        return
    table = Table("incident", "status", "template", "version", "due (UTC)", "root cause")
    for r in rows:
        due = (r["due_at"] or "")[:16].replace("T", " ")
        table.add_row(
            r["incident_id"],
            r["status"],
            r["template"],
            str(r["version"]),
            due,
            r["root_cause_category"] or "",
        )
    console.print(table)
