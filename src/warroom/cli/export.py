"""``warroom export ...``: configuration for tools you already run: prometheus-rules,
alertmanager-config."""

from pathlib import Path

import typer

from warroom.cli.common import console, group

app = group("Configuration for tools you already run.")


@app.command("prometheus-rules")
def export_rules(
    output: Path = typer.Option(Path("warroom-rules.yml"), "--output", "-o"),
) -> None:
    """Write Prometheus alerting rules (seed 002's alerts) over the gateway's metrics."""
    from warroom.detect import export

    output.write_text(export.prometheus_rules())
    console.print(f"wrote {output}; check it with: promtool check rules {output}")


@app.command("alertmanager-config")
def export_alertmanager(
    url: str = typer.Option(..., help="the warroom integration URL, with its ?key="),
    output: Path = typer.Option(Path("alertmanager-warroom.yml"), "--output", "-o"),
) -> None:
    """Write an Alertmanager route and receiver that send to warroom."""
    from warroom.detect import export

    output.write_text(export.alertmanager_config(url))
    console.print(f"wrote {output}; merge it into alertmanager.yml")
