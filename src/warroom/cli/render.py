"""Rich tables for incidents, shared by the CLI and the demo."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

SEVERITY_STYLE = {
    "P0": "bold white on red",
    "P1": "bold red",
    "P2": "yellow",
    "P3": "cyan",
    "P4": "dim",
}


def _time(value: str | None) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S")


def incident_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="Incidents")
    table.add_column("id", no_wrap=True)
    for column in ("sev", "status", "service", "title", "detected (UTC)"):
        table.add_column(column)
    for row in rows:
        sev = row["severity"]
        table.add_row(
            row["id"],
            f"[{SEVERITY_STYLE.get(sev, '')}]{sev}[/]",
            row["status"],
            row["service"] or "",
            row["title"],
            _time(row["detected_at"]),
        )
    return table


def incident_detail(console: Console, d: dict[str, Any]) -> None:
    sev = d["severity"]
    console.print(
        f"[bold]{d['id']}[/bold]  [{SEVERITY_STYLE.get(sev, '')}]{sev}[/]  "
        f"{d['status']}  {d['title']}"
    )
    for key in (
        "service",
        "started_at",
        "detected_at",
        "acknowledged_at",
        "mitigated_at",
        "resolved_at",
        "closed_at",
    ):
        if d.get(key):
            console.print(f"  {key:16} {d[key]}")
    if d["metrics"]:
        console.print(
            "  metrics          " + ", ".join(f"{k}={v}" for k, v in d["metrics"].items())
        )
    for role in d["roles"]:
        if not role["renounced_at"]:
            console.print(f"  {role['role']:16} {role['person']}")
    alerts = Table("id", "source", "name", "status", "severity", "starts (UTC)", title="Alerts")
    for a in d["alerts"]:
        alerts.add_row(
            str(a["id"]),
            a["source"],
            a["name"],
            a["status"],
            a["severity"] or "",
            _time(a["starts_at"]),
        )
    console.print(alerts)
    timeline = Table("at (UTC)", "kind", "actor", "message", title="Timeline")
    for e in d["timeline"]:
        timeline.add_row(_time(e["at"]), e["kind"], e["actor"], e["message"])
    console.print(timeline)
