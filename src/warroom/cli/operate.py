"""Commands that work through the HTTP API: alert, incident, silence."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from warroom.cli import guide as guide_cli
from warroom.cli.common import JSON_OPTION, TOKEN_OPTION, URL_OPTION, Api, console, fail, print_json
from warroom.cli.render import incident_detail, incident_table
from warroom.silences.models import Matcher

alert_app = typer.Typer(help="Send alerts.", no_args_is_help=True)
incident_app = typer.Typer(help="Work on incidents.", no_args_is_help=True)
silence_app = typer.Typer(help="Silences (maintenance windows).", no_args_is_help=True)


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"{what} {item!r}: expected key=value")
        out[key] = value
    return out


@alert_app.command("send")
def alert_send(
    name: str = typer.Option(..., help="alert name, e.g. HighErrorRate"),
    service: str = typer.Option(None, help="affected service"),
    metric: list[str] = typer.Option([], help="metric=value, e.g. error_rate=0.6 (repeatable)"),
    label: list[str] = typer.Option([], help="label=value (repeatable)"),
    severity: str = typer.Option(None, help="source severity, e.g. critical or P1"),
    summary: str = typer.Option(None, help="one-line summary"),
    resolved: bool = typer.Option(False, "--resolved", help="send it as resolved"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Send one alert to a running warroom."""
    metrics: dict[str, float] = {}
    for key, value in _pairs(metric, "metric").items():
        try:
            metrics[key] = float(value)
        except ValueError:
            fail(f"metric {key}={value!r}: value must be a number")
    body: dict[str, Any] = {
        "name": name,
        "service": service,
        "labels": _pairs(label, "label"),
        "metrics": metrics,
        "severity": severity,
        "summary": summary,
        "status": "resolved" if resolved else "firing",
    }
    result = Api(url, token).call("POST", "/api/v1/alerts", json=body)
    if as_json:
        print_json(result)
        return
    opened = ", ".join(result["incidents_opened"]) or "none"
    joined = ", ".join(result["incidents_updated"]) or "none"
    console.print(f"accepted alert {result['alert_ids'][0]}; opened: {opened}; updated: {joined}")


@incident_app.command("list")
def incident_list(
    status: list[str] = typer.Option([], help="filter by status (repeatable)"),
    severity: list[str] = typer.Option([], help="filter by severity (repeatable)"),
    service: str = typer.Option(None, help="filter by service"),
    open_only: bool = typer.Option(False, "--open", help="only open incidents"),
    limit: int = typer.Option(50, min=1, max=1000),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List incidents, open ones first."""
    params: dict[str, Any] = {"status": status, "severity": severity, "limit": limit}
    if service:
        params["service"] = service
    if open_only:
        params["open"] = "true"
    rows = Api(url, token).call("GET", "/api/v1/incidents", params=params)
    if as_json:
        print_json(rows)
    else:
        console.print(incident_table(rows))


@incident_app.command("show")
def incident_show(
    incident_id: str, url: str = URL_OPTION, token: str = TOKEN_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """Show an incident with its alerts, roles, timeline, runbook and diagnostics."""
    api = Api(url, token)
    detail = api.call("GET", f"/api/v1/incidents/{incident_id}")
    guided = guide_cli.incident_runbook(api, incident_id)
    if as_json:
        print_json({**detail, **guided})
    else:
        incident_detail(console, detail)
        if room := detail.get("chat_room"):  # the war room in chat (Slack)
            console.print(f"War room: #{room['name']} ({room['state']}) {room.get('link') or ''}")
        guide_cli.print_incident_runbook(console, guided)


def _act(url: str, token: str | None, path: str, body: dict[str, Any] | None, done: str) -> None:
    Api(url, token).call("POST", path, json=body)
    console.print(done)


@incident_app.command("ack")
def incident_ack(
    incident_id: str,
    message: str = typer.Option(None, "--message", "-m"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Acknowledge a triggered incident."""
    body = {"message": message} if message else None
    _act(
        url,
        token,
        f"/api/v1/incidents/{incident_id}/acknowledge",
        body,
        f"{incident_id} acknowledged",
    )


@incident_app.command("status")
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


@incident_app.command("resolve")
def incident_resolve(
    incident_id: str,
    message: str = typer.Option(None, "--message", "-m"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Resolve an incident."""
    body = {"status": "resolved", "message": message}
    _act(url, token, f"/api/v1/incidents/{incident_id}/status", body, f"{incident_id} resolved")


@incident_app.command("severity")
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


@incident_app.command("note")
def incident_note(
    incident_id: str, message: str, url: str = URL_OPTION, token: str = TOKEN_OPTION
) -> None:
    """Add a note to the timeline."""
    _act(url, token, f"/api/v1/incidents/{incident_id}/notes", {"message": message}, "note added")


@incident_app.command("assign")
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


@silence_app.command("add")
def silence_add(
    matcher: list[str] = typer.Argument(
        ..., help="name=value, name!=value, name=~regex, name!~regex"
    ),
    duration: float = typer.Option(60, "--minutes", help="how long, in minutes"),
    comment: str = typer.Option(..., "--comment", "-c", help="why (required)"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Silence matching alerts for a while (they are stored, not paged)."""
    try:
        matchers = [Matcher.parse(m).model_dump() for m in matcher]
    except ValueError as exc:
        fail(str(exc))
    body = {"matchers": matchers, "duration_minutes": duration, "comment": comment}
    silence = Api(url, token).call("POST", "/api/v1/silences", json=body)
    if as_json:
        print_json(silence)
    else:
        console.print(f"silence {silence['id']} active until {silence['ends_at']}")


@silence_app.command("list")
def silence_list(
    include_expired: bool = typer.Option(False, "--all", help="include ended silences"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List silences."""
    rows = Api(url, token).call(
        "GET", "/api/v1/silences", params={"include_expired": include_expired}
    )
    if as_json:
        print_json(rows)
        return
    table = Table("id", "matchers", "starts", "ends", "active", "by", "comment")
    for s in rows:
        matchers = ", ".join(f"{m['name']}{m['op']}{m['value']}" for m in s["matchers"])
        table.add_row(
            str(s["id"]),
            matchers,
            s["starts_at"],
            s["ends_at"],
            "yes" if s["active"] else "no",
            s["created_by"],
            s["comment"],
        )
    console.print(table)


@silence_app.command("expire")
def silence_expire(silence_id: int, url: str = URL_OPTION, token: str = TOKEN_OPTION) -> None:
    """End a silence now."""
    _act(url, token, f"/api/v1/silences/{silence_id}/expire", None, f"silence {silence_id} expired")
