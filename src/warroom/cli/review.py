"""``warroom review ...``: low-confidence predictions held for humans, through the HTTP API:
list, label."""

import typer
from rich.table import Table

from warroom.cli.common import (
    JSON_OPTION,
    TOKEN_OPTION,
    URL_OPTION,
    Api,
    console,
    group,
    print_json,
)

app = group("Low-confidence predictions held for humans.")


@app.command("list")
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


@app.command("label")
def review_label(
    item_id: int, label: int, url: str = URL_OPTION, token: str = TOKEN_OPTION
) -> None:
    """Give the true label of a held prediction."""
    Api(url, token).call("POST", f"/api/v1/review/{item_id}/label", json={"label": label})
    console.print(f"review item {item_id} labelled {label}")
