"""``warroom incident ...``: work on incidents through the HTTP API: declare, list, show, ack,
status, resolve, severity, note, assign, update (status updates), tasks and check
(checklists)."""

from typing import Any

import typer
from rich.table import Table

from warroom.cli.common import (
    ALL_OPTION,
    JSON_OPTION,
    OUTPUT_OPTION,
    TOKEN_OPTION,
    URL_OPTION,
    Api,
    console,
    group,
    limit_option,
    output_mode,
    print_json,
)
from warroom.cli.render import incident_detail, incident_table, listing, print_incident_runbook

app = group("Work on incidents.")


@app.command("list")
def incident_list(
    status: list[str] = typer.Option([], help="filter by status (repeatable)"),
    severity: list[str] = typer.Option([], help="filter by severity (repeatable)"),
    service: str = typer.Option(None, help="filter by service"),
    open_only: bool = typer.Option(False, "--open", help="only open incidents"),
    limit: int = limit_option(50),
    every: bool = ALL_OPTION,
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    output: str = OUTPUT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List incidents, open ones first, then newest first."""
    mode = output_mode(output, as_json)
    params: dict[str, Any] = {"status": status, "severity": severity}
    if service:
        params["service"] = service
    if open_only:
        params["open"] = "true"
    rows = Api(url, token).rows("/api/v1/incidents", params, limit=limit, every=every)
    if mode == "json":
        print_json(rows)
    else:
        console.print(incident_table(rows, wide=mode == "wide"))


@app.command("declare")
def incident_declare(
    title: str = typer.Option(..., "--title", "-t", help="what is wrong, one line"),
    severity: str = typer.Option(..., "--severity", "-s", help="P0..P4"),
    service: str = typer.Option(..., "--service", help="the affected service"),
    summary: str = typer.Option(None, "--summary", "-m", help="what is known (on the timeline)"),
    commander: str = typer.Option(None, "--commander", help="who leads (a playbook person)"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Declare an incident by hand, without an alert.

    It is routed, paged and tracked like one an alert opened."""
    body = {"title": title, "severity": severity, "service": service}
    body |= {k: v for k, v in (("summary", summary), ("commander", commander)) if v}
    detail = Api(url, token).call("POST", "/api/v1/incidents", json=body)
    if as_json:
        print_json(detail)
        return
    console.print(
        f"{detail['id']} declared ({detail['severity']}, {detail['service']}); "
        f"team {detail['team'] or 'none (no route matched)'}",
        highlight=False,
    )


@app.command("show")
def incident_show(
    incident_id: str, url: str = URL_OPTION, token: str = TOKEN_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """Show an incident with its alerts, roles, timeline, runbook and diagnostics."""
    api = Api(url, token)
    detail = api.call("GET", f"/api/v1/incidents/{incident_id}")
    guided = _incident_runbook(api, incident_id)
    if as_json:
        print_json({**detail, **guided})
    else:
        incident_detail(console, detail)
        if room := detail.get("chat_room"):  # the war room in chat (Slack)
            console.print(f"War room: #{room['name']} ({room['state']}) {room.get('link') or ''}")
        print_incident_runbook(console, guided)


def _incident_runbook(api: Api, incident_id: str) -> dict[str, Any]:
    """The incident's runbook and diagnostic results."""
    linked = api.call("GET", f"/api/v1/incidents/{incident_id}/runbook")
    results = api.call("GET", f"/api/v1/incidents/{incident_id}/diagnostics")
    return {"runbook": linked["runbook"], "diagnostics": results}


def _act(url: str, token: str | None, path: str, body: dict[str, Any] | None, done: str) -> None:
    Api(url, token).call("POST", path, json=body)
    console.print(done)


@app.command("ack")
def incident_ack(
    incident_id: str,
    message: str = typer.Option(None, "--message", "-m"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Acknowledge an incident: paging stops. Acknowledging again changes nothing."""
    body = {"message": message} if message else None
    detail = Api(url, token).call("POST", f"/api/v1/incidents/{incident_id}/acknowledge", json=body)
    if detail["acknowledged_at"] is None:  # over before anyone acknowledged: nothing to do
        console.print(f"{incident_id} is {detail['status']}: nothing to acknowledge")
    else:
        console.print(f"{incident_id} acknowledged (at {detail['acknowledged_at'][:19]} UTC)")


@app.command("status")
def incident_status(
    incident_id: str,
    status: str = typer.Argument(
        ...,
        help="acknowledged, investigating, identified, mitigating, monitoring, resolved, closed",
    ),
    message: str = typer.Option(None, "--message", "-m"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Move an incident to another status."""
    body = {"status": status, "message": message}
    _act(url, token, f"/api/v1/incidents/{incident_id}/status", body, f"{incident_id} is {status}")


@app.command("resolve")
def incident_resolve(
    incident_id: str,
    message: str = typer.Option(None, "--message", "-m"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Resolve an incident."""
    body = {"status": "resolved", "message": message}
    _act(url, token, f"/api/v1/incidents/{incident_id}/status", body, f"{incident_id} resolved")


@app.command("severity")
def incident_severity(
    incident_id: str,
    severity: str = typer.Argument(..., help="P0..P4"),
    reason: str = typer.Option(..., "--reason", "-r", help="why (kept on the timeline)"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Change an incident's severity, with a reason."""
    body = {"severity": severity, "reason": reason}
    _act(
        url,
        token,
        f"/api/v1/incidents/{incident_id}/severity",
        body,
        f"{incident_id} is {severity}",
    )


@app.command("note")
def incident_note(
    incident_id: str, message: str, url: str = URL_OPTION, token: str = TOKEN_OPTION
) -> None:
    """Add a note to the timeline."""
    _act(url, token, f"/api/v1/incidents/{incident_id}/notes", {"message": message}, "note added")


@app.command("assign")
def incident_assign(
    incident_id: str,
    role: str = typer.Argument(
        ...,
        help="incident_commander, technical_lead, communications_lead, security_lead, "
        "customer_success",
    ),
    person: str = typer.Argument(..., help="who takes the role"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Give a role on the incident to a person."""
    body = {"role": role, "person": person}
    _act(
        url,
        token,
        f"/api/v1/incidents/{incident_id}/roles",
        body,
        f"{person} is {role} on {incident_id}",
    )


@app.command("update")
def incident_update(
    incident_id: str,
    message: str = typer.Option(..., "--message", "-m", help="what is known now"),
    status: str = typer.Option(
        "investigating", help="investigating, identified, monitoring or resolved"
    ),
    impact: str = typer.Option(None, help="user impact, one line"),
    next_update_at: str = typer.Option(
        None, "--next", help="ISO 8601 time of the next update (default: by severity)"
    ),
    public: bool = typer.Option(False, "--public", help="show it on the status page"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Post a status update (the ML platform runbook's template: status, impact, next update)."""
    body = {
        "status": status,
        "message": message,
        "impact": impact,
        "next_update_at": next_update_at,
        "public": public,
    }
    row = Api(url, token).call("POST", f"/api/v1/incidents/{incident_id}/updates", json=body)
    if as_json:
        print_json(row)
        return
    nxt = f"; next update by {row['next_update_at']}" if row["next_update_at"] else ""
    console.print(f"update {row['id']} posted on {incident_id} ({row['status']}){nxt}")


def _tasks_table(rows: list[dict[str, Any]], *, wide: bool) -> Table:
    """Tasks at 80 columns; the phase, checklist and evidence with ``-o wide``."""
    columns = [("id", "key"), ("req", "key"), ("done", "key"), ("phase", "wide")]
    columns += [("checklist", "wide"), ("task", "text"), ("by", "key"), ("evidence", "wide")]
    cells = [
        [
            str(t["id"]),
            "yes" if t["required"] else "no",
            "[green]✓[/green]" if t["checked_at"] else "",
            t["phase"],
            t["checklist"],
            t["title"],
            t["checked_by"] or "",
            t.get("evidence") or "",
        ]
        for t in rows
    ]
    return listing(columns, cells, wide=wide)


@app.command("tasks")
def incident_tasks(
    incident_id: str,
    open_only: bool = typer.Option(False, "--open", help="only tasks not checked off"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    output: str = OUTPUT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List an incident's checklist tasks (open required tasks block closing it)."""
    mode = output_mode(output, as_json)
    rows = Api(url, token).call("GET", f"/api/v1/incidents/{incident_id}/tasks")
    if open_only:
        rows = [t for t in rows if not t["checked_at"]]
    if mode == "json":
        print_json(rows)
        return
    console.print(_tasks_table(rows, wide=mode == "wide"))
    blocking = sum(1 for t in rows if t["required"] and not t["checked_at"])
    console.print(f"{blocking} required task{'s' if blocking != 1 else ''} open", highlight=False)


@app.command("check")
def incident_check(
    incident_id: str,
    task_ids: list[int] = typer.Argument(..., help="task ids, from `warroom incident tasks`"),
    undo: bool = typer.Option(False, "--undo", help="un-check tasks checked by mistake"),
    note: str = typer.Option(None, "--note", "-m", help="kept on the timeline"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Check tasks off, several at once (or un-check them with --undo).

    Each is recorded with who and when. Tasks warroom already checked from the record need
    nothing."""
    api = Api(url, token)
    body = {"note": note} if note else None
    if undo:
        for task_id in task_ids:
            task = api.call(
                "POST", f"/api/v1/incidents/{incident_id}/tasks/{task_id}/uncheck", json=body
            )
            console.print(f"task {task_id} ({task['title']}) open again", highlight=False)
        return
    rows = api.call(
        "POST",
        f"/api/v1/incidents/{incident_id}/tasks/check",
        json={"ids": task_ids, **(body or {})},
    )
    by_id = {t["id"]: t for t in rows}
    for task_id in dict.fromkeys(task_ids):
        t = by_id[task_id]
        console.print(
            f"task {task_id} ({t['title']}) checked off by {t['checked_by']}", highlight=False
        )
    left = sum(1 for t in rows if t["required"] and not t["checked_at"])
    console.print(f"{left} required task{'s' if left != 1 else ''} open", highlight=False)
