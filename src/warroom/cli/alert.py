"""``warroom alert send``: send one alert to a running warroom over its HTTP API."""

from typing import Any

import typer

from warroom.cli.common import (
    JSON_OPTION,
    TOKEN_OPTION,
    URL_OPTION,
    Api,
    console,
    fail,
    group,
    print_json,
)

app = group("Send alerts.")


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"{what} {item!r}: expected key=value")
        out[key] = value
    return out


@app.command("send")
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
