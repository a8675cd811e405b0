"""`warroom baseline`, `warroom review`, `warroom export`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from warroom.cli.common import JSON_OPTION, TOKEN_OPTION, URL_OPTION, Api, console, print_json
from warroom.detect import export

baseline_app = typer.Typer(help="Detector baselines.", no_args_is_help=True)
review_app = typer.Typer(help="Low-confidence predictions held for humans.", no_args_is_help=True)
export_app = typer.Typer(help="Configuration for tools you already run.", no_args_is_help=True)


@baseline_app.command("update")
def baseline_update(
    service: str,
    version: str = typer.Option(None, help="default: the version taking most traffic"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Save current traffic as the baseline (after promoting a version)."""
    params = {"version": version} if version else {}
    row = Api(url, token).call("POST", f"/api/v1/services/{service}/baseline", params=params)
    console.print(
        f"baseline of {service} {row['version']} saved from {row['requests']} "
        f"requests (mean probability {row['mean_probability']:.3f})"
    )


@review_app.command("list")
def review_list(
    service: str = typer.Option(None),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show predictions waiting for a human label."""
    rows = Api(url, token).call(
        "GET", "/api/v1/review", params={"service": service} if service else {}
    )
    if as_json:
        print_json(rows)
        return
    table = Table("id", "service", "version", "request", "probability", "prediction", "held (UTC)")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["service"],
            r["version"],
            r["request_id"],
            f"{r['probability']:.3f}",
            str(r["prediction"]),
            r["created_at"][:19],
        )
    console.print(table)


@review_app.command("label")
def review_label(
    item_id: int, label: int, url: str = URL_OPTION, token: str = TOKEN_OPTION
) -> None:
    """Give the true label of a held prediction."""
    Api(url, token).call("POST", f"/api/v1/review/{item_id}/label", json={"label": label})
    console.print(f"review item {item_id} labelled {label}")


@export_app.command("prometheus-rules")
def export_rules(
    output: Path = typer.Option(Path("warroom-rules.yml"), "--output", "-o"),
) -> None:
    """Write Prometheus alerting rules (seed 002's alerts) over the gateway's metrics."""
    output.write_text(export.prometheus_rules())
    console.print(f"wrote {output}; check it with: promtool check rules {output}")


@export_app.command("alertmanager-config")
def export_alertmanager(
    url: str = typer.Option(..., help="the warroom integration URL, with its ?key="),
    output: Path = typer.Option(Path("alertmanager-warroom.yml"), "--output", "-o"),
) -> None:
    """Write an Alertmanager route and receiver that send to warroom."""
    output.write_text(export.alertmanager_config(url))
    console.print(f"wrote {output}; merge it into alertmanager.yml")
