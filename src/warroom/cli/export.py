"""``warroom export ...``: configuration for tools you already run: prometheus-rules,
alertmanager-config. Each writes to stdout (``> rules.yml``, ``| promtool check rules``),
or to the file given with ``-o FILE`` (``-o -`` is stdout too)."""

import sys
from pathlib import Path

import typer

from warroom.cli.common import err_console, group

app = group("Configuration for tools you already run.")

OUTPUT = typer.Option(
    "-", "--output", "-o", metavar="FILE", help="write to this file; - (default) is stdout"
)


def _write(text: str, output: str, then: str) -> None:
    if output == "-":
        sys.stdout.write(text)
        return
    Path(output).write_text(text)
    err_console.print(f"wrote {output}; {then.format(file=output)}", highlight=False)


@app.command("prometheus-rules")
def export_rules(output: str = OUTPUT) -> None:
    """Print Prometheus alerting rules over the gateway's metrics: error rate, latency,
    confidence drift. Check them with `promtool check rules`."""
    from warroom.detect import export

    _write(export.prometheus_rules(), output, "check it with: promtool check rules {file}")


@app.command("alertmanager-config")
def export_alertmanager(
    url: str = typer.Option(..., help="the warroom integration URL, with its ?key="),
    output: str = OUTPUT,
) -> None:
    """Print an Alertmanager route and receiver that send to warroom (merge it into
    alertmanager.yml)."""
    from warroom.detect import export

    _write(export.alertmanager_config(url), output, "merge it into alertmanager.yml")
