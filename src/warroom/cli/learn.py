"""Learning from incidents: `warroom postmortem`, `warroom action`, `warroom report`,
`warroom evidence`."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from datetime import datetime
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
    local,
    print_json,
)

postmortem_app = typer.Typer(help="Postmortem drafts, edits and reviews.", no_args_is_help=True)
action_app = typer.Typer(help="Action items that follow an incident.", no_args_is_help=True)
evidence_app = typer.Typer(help="The evidence package (seed 000).", no_args_is_help=True)


def _pm_path(incident_id: str) -> str:
    return f"/api/v1/incidents/{incident_id}/postmortem"


@postmortem_app.command("create")
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


@postmortem_app.command("show")
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


@postmortem_app.command("chart")
def pm_chart(incident_id: str, out: Path, url: str = URL_OPTION, token: str = TOKEN_OPTION) -> None:
    """Save the incident's chart (PNG)."""
    api = Api(url, token)
    response = api.client.get(f"{_pm_path(incident_id)}/chart.png")
    if response.status_code >= 400:
        api.call("GET", f"{_pm_path(incident_id)}/chart.png")
    out.write_bytes(response.content)
    console.print(f"chart written to {out}")


@postmortem_app.command("edit")
def pm_edit(
    incident_id: str,
    note: str = typer.Option(None, "-m", "--note", help="what changed"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Edit the postmortem in $EDITOR; saving stores a new version."""
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


@postmortem_app.command("status")
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


@postmortem_app.command("list")
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


@action_app.command("add")
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


@action_app.command("list")
def action_list(
    incident: str = typer.Option(None, help="only this incident's items"),
    overdue: bool = typer.Option(False, "--overdue"),
    open_only: bool = typer.Option(False, "--open", help="only open or in progress"),
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
    rows = Api(url, token).call("GET", "/api/v1/actions", params=params)
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


@action_app.command("done")
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


def _secs(value: float | None) -> str:
    if value is None:
        return "—"
    minutes, seconds = divmod(round(value), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def report(
    since: datetime = typer.Option(None, help="incidents detected at or after (UTC)"),
    until: datetime = typer.Option(None, help="incidents detected before (UTC)"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Response metrics: MTTD, MTTA, MTTR, MTBF, counts, SLA, follow-up, rollbacks."""
    params = {
        k: v.isoformat() + ("" if v.tzinfo else "+00:00")
        for k, v in (("since", since), ("until", until))
        if v is not None
    }
    data = Api(url, token).call("GET", "/api/v1/reports/response", params=params)
    if as_json:
        print_json(data)
        return
    r, inc = data["response"], data["incidents"]
    console.print(f"incidents: {inc['total']}  by severity: {inc['by_severity']}", highlight=False)
    console.print(f"by service: {inc['by_service']}  by root cause: {inc['by_root_cause']}")
    console.print(
        f"MTTD {_secs(r['mttd_seconds'])}  MTTA {_secs(r['mtta_seconds'])}  "
        f"MTTR {_secs(r['mttr_seconds'])}  never acknowledged: {r['never_acknowledged']}"
    )
    for service, value in data["mtbf_seconds"].items():
        console.print(f"MTBF {service}: {_secs(value)}")
    sla, pm, act, rb = data["sla"], data["postmortems"], data["action_items"], data["rollbacks"]
    console.print(
        f"acknowledged in time {_pct(sla['acknowledgement']['rate'])}, resolved in target "
        f"{_pct(sla['resolution']['rate'])}, postmortems on time {_pct(pm['rate'])} "
        f"(overdue: {', '.join(pm['overdue']) or 'none'}), action items on time "
        f"{_pct(act['rate'])} (overdue: {len(act['overdue'])})"
    )
    console.print(
        f"rollbacks {rb['count']}, success {_pct(rb['success_rate'])}, p50 "
        f"{_secs(rb['duration_seconds']['p50'])}, p95 {_secs(rb['duration_seconds']['p95'])}"
    )


@evidence_app.command("export")
def evidence_export(
    directory: Path,
    incident: str = typer.Option(None, "--incident", help="only this incident"),
) -> None:
    """Write the evidence package from this machine's database (WARROOM_DATABASE_URL)."""
    from warroom.reports import evidence

    with local() as container, container.db.read() as session:
        files = evidence.export(
            session=session,
            playbook=container.playbook,
            directory=directory,
            now=container.clock(),
            incident_id=incident,
        )
    console.print(f"{len(files)} files written to {directory}")
