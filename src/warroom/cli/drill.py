"""``warroom drill SCENARIO``: a fault-injection drill against a running warroom. The drill
itself (the HTTP client that injects, watches and cleans up) is ``cli.drill_runner``, imported
when the command runs."""

import typer
from rich.table import Table

from warroom.cli.common import JSON_OPTION, TOKEN_OPTION, URL_OPTION, console, err_console, fail
from warroom.drills.kinds import KINDS

SCENARIOS = KINDS
STYLE = {"pass": "green", "fail": "red", "n/a": "dim"}


def _secs(value: float | None) -> str:
    from datetime import timedelta

    from warroom.playbook.durations import format_duration

    if value is None:
        return "—"
    return f"{value:.1f}s" if value < 60 else format_duration(timedelta(seconds=round(value)))


def table(result: dict[str, object]) -> Table:
    out = Table(title=f"drill {result['scenario']} on {result['service']}: {result['incident_id']}")
    for column in ("stage", "took", "target", "result", "note"):
        out.add_column(column)
    for s in result["stages"]:  # type: ignore[attr-defined]
        style = STYLE.get(s["status"], "")
        out.add_row(
            s["name"],
            _secs(s["seconds"]),
            _secs(s["target_s"]),
            f"[{style}]{s['status']}[/{style}]",
            s["note"],
        )
    return out


def drill(
    scenario: str = typer.Argument(..., help=f"one of: {', '.join(SCENARIOS)}"),
    service: str = typer.Option(None, help="model service to drill (default: the only one)"),
    auto_ack: bool = typer.Option(
        False, "--auto-ack", help="acknowledge for the on-call as soon as the page is out"
    ),
    restore: bool = typer.Option(
        False, "--restore", help="after a rollback, put the pre-drill traffic routing back"
    ),
    error_rate: float = typer.Option(None, help="error-burst: share of requests that fail"),
    delay_ms: float = typer.Option(None, help="latency: added to every request"),
    drift: float = typer.Option(None, help="drift: strength from 0 to 1"),
    recovery_timeout: float = typer.Option(600, help="seconds to wait for recovery at most"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Inject a fault into a live model version and time warroom's response against the
    playbook: detection, page, acknowledgement, rollback, recovery. The incident is labelled
    drill=true; the drill clears the fault and resolves its incident afterwards."""
    import json

    import httpx

    from warroom.cli.drill_runner import SCENARIOS as KINDS
    from warroom.cli.drill_runner import Drill, Options

    if scenario not in KINDS:
        fail(f"unknown scenario {scenario!r}; choose one of {', '.join(KINDS)}")
    if not token:
        fail("a drill needs an admin API token: --token or WARROOM_TOKEN")
    options = Options(
        scenario=scenario,
        service=service,
        auto_ack=auto_ack,
        restore=restore,
        error_rate=error_rate,
        delay_ms=delay_ms,
        drift=drift,
        recovery_timeout=recovery_timeout,
    )
    # Progress goes to stderr with --json, so stdout stays one JSON object.
    out = err_console if as_json else console
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=30) as client:
        result = Drill(client, options, lambda line: out.print(f"→ {line}", highlight=False)).run()
    if as_json:
        print(json.dumps(result))
    else:
        console.print(table(result))
        verdict = "[green]passed[/green]" if result["passed"] else "[red]failed[/red]"
        console.print(f"drill {verdict}; recorded as audit event {result['audit_id']}")
    if not result["passed"]:
        raise typer.Exit(1)
