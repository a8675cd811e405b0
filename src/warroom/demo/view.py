"""The demo's live view: its steps with their progress and the incident's timeline as warroom
writes it. A Rich live display on a terminal; plain lines when the output is not a terminal
or with ``--json`` (so logs and scripts read it). Also the demo's console and its table of
incidents (the demo sits below the CLI and does not import it)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

MARK = {"running": "[yellow]…[/yellow]", "done": "[green]✓[/green]", "failed": "[red]✗[/red]"}
SEVERITY_STYLE = {"P0": "bold white on red", "P1": "bold red", "P2": "yellow", "P3": "cyan"}

#: Where the demo writes (stdout; with ``--json`` the summary line comes after it).
console = Console()


def incident_table(rows: list[dict[str, Any]]) -> Table:
    """The incidents as the API lists them, as `warroom incident list` shows them."""
    table = Table(title="Incidents")
    table.add_column("id", no_wrap=True)
    for column in ("sev", "status", "service", "title", "detected (UTC)"):
        table.add_column(column)
    for row in rows:
        sev, detected = row["severity"], datetime.fromisoformat(row["detected_at"])
        table.add_row(
            row["id"],
            f"[{SEVERITY_STYLE.get(sev, 'dim')}]{sev}[/]",
            row["status"],
            row["service"] or "",
            row["title"],
            f"{detected:%Y-%m-%d %H:%M:%S}",
        )
    return table


@dataclass
class Step:
    name: str
    started: float = field(default_factory=time.monotonic)
    status: str = "running"
    detail: str = ""
    took: float | None = None


class View:
    def __init__(self, console: Console, *, live: bool):
        self.console = console
        self.steps: list[Step] = []
        self.timeline: list[str] = []
        self.seen: set[tuple[str, str]] = set()
        self.live = Live(self, console=console, refresh_per_second=4) if live else None

    def __enter__(self) -> View:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()

    def begin(self, name: str) -> Step:
        step = Step(name)
        self.steps.append(step)
        return step

    def end(self, step: Step, detail: str, *, ok: bool = True) -> None:
        step.status, step.detail = ("done" if ok else "failed"), detail
        step.took = time.monotonic() - step.started
        if self.live is None:
            mark = "→" if ok else "✗"
            self.console.print(f"{mark} {step.name}: {detail}", highlight=False)

    def events(self, timeline: list[dict[str, Any]]) -> None:
        """Add the incident's timeline events not shown yet."""
        for e in timeline:
            key = (e["at"], e["message"])
            if key in self.seen:
                continue
            self.seen.add(key)
            line = f"{e['at'][11:19]} {e['actor']}: {e['message']}"
            self.timeline.append(line)
            if self.live is None:
                self.console.print(f"    · {line}", highlight=False, markup=False)

    def __rich__(self) -> Group:
        steps = Table(box=None, show_header=False, expand=True)
        steps.add_column(width=2)
        steps.add_column(ratio=2)
        steps.add_column(ratio=5)
        steps.add_column(justify="right", width=7)
        now = time.monotonic()
        for s in self.steps:
            took = s.took if s.took is not None else now - s.started
            steps.add_row(MARK[s.status], s.name, s.detail, f"{took:.1f}s")
        recent = "\n".join(self.timeline[-12:]) or "(no incident yet)"
        return Group(
            Panel(steps, title="warroom demo"),
            Panel(recent, title="incident timeline", style="dim"),
        )
