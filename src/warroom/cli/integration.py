"""``warroom integration ...``: webhook integrations and their keys in this machine's
database: create, revoke, list."""

from typing import Literal

import typer
from rich.table import Table

from warroom.cli.common import (
    JSON_OPTION,
    console,
    err_console,
    group,
    local,
    local_actor,
    print_json,
)

app = group("Webhook integrations and their keys.")


@app.command("create")
def integration_create(
    kind: Literal["alertmanager", "grafana", "pagerduty", "generic"] = typer.Argument(
        ..., help="sender type"
    ),
    name: str = typer.Option(..., help="e.g. prod"),
    url: str = typer.Option(
        None,
        help="base URL senders use to reach warroom (default: WARROOM_PUBLIC_URL, else "
        "WARROOM_URL, else http://WARROOM_HOST:WARROOM_PORT)",
        show_default=False,
    ),
) -> None:
    """Create a webhook integration and print its URL with the key (shown once).

    Works on the database directly (WARROOM_DATABASE_URL): creating credentials is how a new
    setup gets its first ones, before any token exists to call the API with."""
    import os

    from warroom.auth import service as auth

    with local() as c, c.db.session() as session:
        row, key = auth.create_integration(
            session=session, kind=kind, name=name, actor=local_actor(), now=c.clock()
        )
        base = (
            url or c.settings.public_url or os.environ.get("WARROOM_URL") or c.settings.base_url
        ).rstrip("/")
    path = "/api/v1/alerts" if kind == "generic" else f"/api/v1/integrations/{kind}"
    err_console.print(f"[dim]{kind} integration {name!r} created; the key is not shown again[/dim]")
    if kind == "generic":
        print(f"POST {base}{path} with 'Authorization: Bearer {key}'")
    else:
        print(f"{base}{path}?key={key}")
        err_console.print(
            f"[dim]or send 'Authorization: Bearer {key}' to {base}{path}[/dim]", highlight=False
        )


@app.command("revoke")
def integration_revoke(integration_id: int) -> None:
    """Revoke an integration by id: its key stops working (within a second on running
    servers)."""
    from warroom.auth import service as auth

    with local() as c, c.db.session() as session:
        auth.revoke_integration(
            session=session, integration_id=integration_id, actor=local_actor(), now=c.clock()
        )
    console.print(f"integration {integration_id} revoked")


@app.command("list")
def integration_list(as_json: bool = JSON_OPTION) -> None:
    """List integrations (never their keys)."""
    from warroom.auth import service as auth
    from warroom.auth.models import IntegrationRead

    with local() as c, c.db.read() as session:
        rows = [IntegrationRead.model_validate(r) for r in auth.list_integrations(session=session)]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("id", "kind", "name", "prefix", "created", "revoked")
    for r in rows:
        table.add_row(
            str(r.id),
            r.kind,
            r.name,
            r.prefix + "…",
            f"{r.created_at:%Y-%m-%d %H:%M}",
            f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "",
        )
    console.print(table)
