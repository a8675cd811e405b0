"""Rich tables shared by several command modules: incidents, diagnostics, plain rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

SEVERITY_STYLE = {
    "P0": "bold white on red",
    "P1": "bold red",
    "P2": "yellow",
    "P3": "cyan",
    "P4": "dim",
}
STATUS_STYLE = {"ok": "green", "failed": "bold red", "error": "yellow"}


def _time(value: str | None) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S")


def _folding(*headers: str, title: str | None = None) -> Table:
    """A table whose cells wrap (long words fold) rather than being cut with an ellipsis."""
    table = Table(title=title)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def incident_table(rows: list[dict[str, Any]], *, wide: bool = False) -> Table:
    """Incidents in plain columns; the service (usually in the title too) with ``-o wide``."""
    columns = [("id", "key"), ("sev", "key"), ("status", "key"), ("service", "wide")]
    columns += [("title", "text"), ("detected (UTC)", "key")]
    cells = [
        [
            row["id"],
            f"[{SEVERITY_STYLE.get(row['severity'], '')}]{row['severity']}[/]",
            row["status"],
            row["service"] or "",
            row["title"],
            _time(row["detected_at"]) if wide else _time(row["detected_at"])[:16],
        ]
        for row in rows
    ]
    return listing(columns, cells, wide=wide, title="Incidents")


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
    alerts = _folding("id", "source", "name", "status", "severity", "starts (UTC)", title="Alerts")
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
    timeline = _folding("at (UTC)", "kind", "actor", "message", title="Timeline")
    for e in d["timeline"]:
        timeline.add_row(_time(e["at"]), e["kind"], e["actor"], e["message"])
    console.print(timeline)


def results_table(results: list[dict[str, Any]], title: str = "Diagnostics") -> Table:
    """Runbook diagnostic results: `warroom diagnose` and `warroom incident show`."""
    table = _folding("step", "kind", "status", "duration", "summary", title=title)
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


def print_incident_runbook(out: Console, found: dict[str, Any]) -> None:
    """The runbook part of `warroom incident show`: its link, causes and diagnostics."""
    runbook = found["runbook"]
    if runbook is None:
        out.print("  runbook          none applies (add a generic runbook)")
    else:
        out.print(f"  runbook          {runbook['title']} ({runbook['name']}): {runbook['url']}")
        if runbook["dashboard"]:
            out.print(f"  dashboard        {runbook['dashboard']}")
        causes = _folding("cause", "action", title="Runbook: cause → action")
        for c in runbook["causes"]:
            causes.add_row(c["cause"], c["action"])
        out.print(causes)
    if found["diagnostics"]:
        out.print(results_table(found["diagnostics"]))


def rows_table(rows: list[dict[str, Any]], columns: list[str]) -> Table:
    """One row per dict, the given keys as columns (None shown empty): jobs, notifications,
    on-call."""
    table = _folding(*columns)
    for row in rows:
        table.add_row(*(str(row.get(c) if row.get(c) is not None else "") for c in columns))
    return table


def listing(
    columns: list[tuple[str, str]], rows: list[list[str]], *, wide: bool, title: str | None = None
) -> Table:
    """A list that reads at 80 columns: ``columns`` are (header, kind) with kind ``key``
    (never wrapped: ids, times), ``text`` (wraps rather than being cut) or ``wide`` (shown
    only with ``-o wide``). Nothing is cut off with an ellipsis."""
    shown = [i for i, (_, kind) in enumerate(columns) if wide or kind != "wide"]
    table = Table(
        title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True
    )
    for i in shown:
        header, kind = columns[i]
        table.add_column(header, no_wrap=kind == "key", overflow="fold")
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    return table


def when(value: str | None) -> str:
    """An API timestamp as ``2026-11-23 12:00:05`` (UTC, as the API gives it)."""
    return _time(value)
