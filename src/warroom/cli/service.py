"""``warroom service ...`` (create, list, show, stable, public), and ``warroom deploy`` and
``warroom versions``: model services and their versions, through the HTTP API."""

import json
from typing import Any

import typer
from rich.table import Table

from warroom.cli.common import (
    JSON_OPTION,
    OUTPUT_OPTION,
    TOKEN_OPTION,
    URL_OPTION,
    Api,
    console,
    fail,
    group,
    output_mode,
    print_json,
)
from warroom.cli.render import listing

app = group("Model services and their versions.")


@app.command("create")
def service_create(
    name: str,
    backend: str = typer.Option("gateway", help="gateway, kubernetes, mlflow or command"),
    config: str = typer.Option("{}", help="backend configuration as JSON"),
    description: str = typer.Option("", help="what the model does"),
    probe: str = typer.Option(
        None, help="one row of features (JSON list or a,b,c) every new version must answer"
    ),
    public: bool = typer.Option(
        False, "--public", help="show it as a component of the public status page"
    ),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Register a model service."""
    try:
        backend_config = json.loads(config)
    except json.JSONDecodeError as exc:
        fail(f"--config is not valid JSON: {exc}")
    body = {
        "name": name,
        "backend": backend,
        "backend_config": backend_config,
        "description": description,
        "probe": _features(probe),
        "public": public,
    }
    Api(url, token).call("POST", "/api/v1/services", json=body)
    console.print(f"service {name} created ({backend}){' (public)' if public else ''}")


@app.command("public")
def service_public(
    name: str,
    off: bool = typer.Option(False, "--off", help="stop showing it on the status page"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Show a model service as a component of the public status page (or not, with --off).
    A new service is not public: test and internal models never appear by accident."""
    Api(url, token).call("PUT", f"/api/v1/services/{name}/public", json={"public": not off})
    where = "no longer shown" if off else "shown"
    console.print(f"{name} is {where} on the public status page")


@app.command("list")
def service_list(
    url: str = URL_OPTION, token: str = TOKEN_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """List model services."""
    rows = Api(url, token).call("GET", "/api/v1/services")
    if as_json:
        print_json(rows)
        return
    table = Table("service", "backend", "public", "degraded", "updated (UTC)")
    for s in rows:
        table.add_row(
            s["name"],
            s["backend"],
            "yes" if s.get("public") else "",
            "yes" if s["degraded"] else "",
            s["updated_at"][:19],
        )
    console.print(table)


@app.command("show")
def service_show(
    name: str, url: str = URL_OPTION, token: str = TOKEN_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """Show a service: versions, traffic weights and its rollback target."""
    detail = Api(url, token).call("GET", f"/api/v1/services/{name}")
    if as_json:
        print_json(detail)
        return
    console.print(
        f"[bold]{name}[/bold] backend={detail['backend']} "
        f"weights={detail['weights']} stable target={detail['stable_target'] or 'none'}"
    )
    console.print(_versions_table(detail["versions"], wide=False))
    rejected = detail.get("rejected_inputs_24h") or {}
    if any(rejected.values()):
        counts = ", ".join(f"{v} {n}" for v, n in sorted(rejected.items()) if n)
        console.print(
            f"inputs the model refused in the last 24 h (clients' errors, not in the error "
            f"rate): {counts}",
            highlight=False,
        )


def _versions_table(versions: list[dict[str, Any]], *, wide: bool) -> Table:
    """Versions at 80 columns; threshold, stable since and source with ``-o wide``."""
    columns = [("version", "key"), ("state", "key"), ("weight", "key"), ("enabled", "key")]
    columns += [("threshold", "wide"), ("deployed (UTC)", "key"), ("stable since", "wide")]
    columns += [("source", "wide")]
    cells = [
        [
            v["version"],
            v["state"] + (" (stable)" if v["marked_stable"] else ""),
            f"{v['weight']:g}%",
            "yes" if v["enabled"] else "no",
            f"{v['threshold']:g}",
            v["deployed_at"][: 19 if wide else 16].replace("T", " "),
            (v["stable_since"] or "")[:19].replace("T", " ")
            + (" (marked)" if v["marked_stable"] else ""),
            v["artifact"] or v["endpoint"] or "",
        ]
        for v in versions
    ]
    return listing(columns, cells, wide=wide)


@app.command("stable")
def service_stable(
    service: str, version: str, url: str = URL_OPTION, token: str = TOKEN_OPTION
) -> None:
    """Vouch for a version: it becomes a rollback target at once."""
    Api(url, token).call("POST", f"/api/v1/services/{service}/versions/{version}/stable")
    console.print(f"{service} {version} marked stable")


def deploy(
    service: str = typer.Argument(..., help="model service"),
    version: str = typer.Argument(..., help="version id"),
    artifact: str = typer.Option(None, help="model file (.joblib/.pkl) or module:callable"),
    endpoint: str = typer.Option(None, help="HTTP upstream URL instead of an artifact"),
    weight: float = typer.Option(100, min=0, max=100, help="percent of traffic for it"),
    threshold: float = typer.Option(0.5, help="decision threshold"),
    probe: str = typer.Option(
        None, help="features to check it with before traffic moves (default: the service's)"
    ),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
) -> None:
    """Deploy a version of a model service with a share of traffic (canary: --weight 10).

    The version is checked first (its model loads and answers the probe input, or its
    endpoint answers); one that cannot serve is refused and traffic stays as it was."""
    body = {
        "version": version,
        "artifact": artifact,
        "endpoint": endpoint,
        "weight": weight,
        "threshold": threshold,
        "probe": _features(probe),
    }
    detail = Api(url, token).call("POST", f"/api/v1/services/{service}/versions", json=body)
    console.print(f"deployed {service} {version}; weights now {detail['weights']}")


def _features(text: str | None) -> list[float] | None:
    """A row of features from ``[1, 2.5]`` or ``1,2.5``; None when not given."""
    if text is None:
        return None
    try:
        values = json.loads(text) if text.lstrip().startswith("[") else text.split(",")
        return [float(v) for v in values]
    except (ValueError, TypeError):
        fail(f"--probe {text!r}: expected numbers, as a JSON list or separated by commas")


def versions(
    service: str,
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    output: str = OUTPUT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List a service's versions."""
    mode = output_mode(output, as_json)
    rows = Api(url, token).call("GET", f"/api/v1/services/{service}/versions")
    if mode == "json":
        print_json(rows)
    else:
        console.print(_versions_table(rows, wide=mode == "wide"))
