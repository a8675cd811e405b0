"""``warroom demo``: the guided demo, run for real on SQLite (``warroom.demo``, imported when
the command runs)."""

import typer

from warroom.cli.common import fail


def demo(
    home: str = typer.Option(None, help="state directory (default: a new temporary one)"),
    keep_running: bool = typer.Option(False, "--keep-running", help="leave the server up"),
    as_json: bool = typer.Option(False, "--json", help="end with one JSON summary line"),
) -> None:
    """Run warroom for real on SQLite: alerts over HTTP become incidents, then a model
    release goes bad and warroom detects it, pages and escalates, rolls back, verifies,
    resolves after a stability window and writes the postmortem, report and evidence.
    Exits non-zero when a step did not happen."""
    import json

    from warroom.demo.run import KEYS, run_demo

    summary = run_demo(home=home, keep_running=keep_running, as_json=as_json)
    if as_json:
        print(json.dumps(summary))
    missing = [k for k in KEYS if summary.get(k) is None]
    if "failed" in summary or missing:
        why = summary.get("failed") or "no " + ", ".join(missing)
        fail(f"the demo did not complete: {why}")
