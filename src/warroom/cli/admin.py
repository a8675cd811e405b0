"""Commands that act on this machine's database: db, token, integration, audit, playbook."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Literal

import typer
from rich.table import Table

from warroom.audit import service as audit_service
from warroom.audit.models import AuditEventRead
from warroom.auth import service as auth
from warroom.auth.models import IntegrationRead, TokenRead
from warroom.cli.common import JSON_OPTION, console, err_console, local, print_json
from warroom.config import Settings
from warroom.playbook.loader import dump_playbook, load_playbook
from warroom.storage.base import utcnow
from warroom.storage.engine import make_engine
from warroom.storage.migrate import upgrade

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (viewer < responder < admin).", no_args_is_help=True)
integration_app = typer.Typer(help="Webhook integrations and their keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
playbook_app = typer.Typer(help="The playbook: severity levels and rules.", no_args_is_help=True)


def local_actor() -> str:
    return f"cli:{getpass.getuser()}"


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending migrations."""
    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    console.print(f"database is up to date ({engine.url.render_as_string(hide_password=True)})")


@token_app.command("create")
def token_create(
    role: Literal["viewer", "responder", "admin"] = typer.Option("responder", help="token role"),
    name: str = typer.Option(None, help="a name to recognise it by"),
) -> None:
    """Create an API token and print it (it is shown only once)."""
    with local() as c, c.db.session() as session:
        row, plaintext = auth.create_token(
            session=session,
            name=name or f"{role}-{utcnow():%Y%m%d%H%M%S}",
            role=role,
            actor=local_actor(),
            now=c.clock(),
        )
    err_console.print(
        f"[dim]created {row.role} token {row.name!r}; store it now, it is not shown again[/dim]",
        highlight=False,
    )
    print(plaintext)


@token_app.command("list")
def token_list(as_json: bool = JSON_OPTION) -> None:
    """List tokens (never their secrets)."""
    with local() as c, c.db.read() as session:
        rows = [TokenRead.model_validate(r) for r in auth.list_tokens(session=session)]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("id", "name", "role", "prefix", "created", "revoked")
    for r in rows:
        table.add_row(
            str(r.id),
            r.name,
            r.role,
            r.prefix + "…",
            f"{r.created_at:%Y-%m-%d %H:%M}",
            f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token by id."""
    with local() as c, c.db.session() as session:
        auth.revoke_token(session=session, token_id=token_id, actor=local_actor(), now=c.clock())
    console.print(f"token {token_id} revoked")


@integration_app.command("create")
def integration_create(
    kind: Literal["alertmanager", "grafana", "pagerduty", "generic"] = typer.Argument(
        ..., help="sender type"
    ),
    name: str = typer.Option(..., help="e.g. prod"),
    url: str = typer.Option(None, help="base URL senders use to reach warroom"),
) -> None:
    """Create a webhook integration and print its URL with the key (shown once)."""
    with local() as c, c.db.session() as session:
        row, key = auth.create_integration(
            session=session, kind=kind, name=name, actor=local_actor(), now=c.clock()
        )
        base = (url or c.settings.base_url).rstrip("/")
    path = "/api/v1/alerts" if kind == "generic" else f"/api/v1/integrations/{kind}"
    err_console.print(f"[dim]{kind} integration {name!r} created; the key is not shown again[/dim]")
    if kind == "generic":
        print(f"POST {base}{path} with 'Authorization: Bearer {key}'")
    else:
        print(f"{base}{path}?key={key}")
        err_console.print(
            f"[dim]or send 'Authorization: Bearer {key}' to {base}{path}[/dim]", highlight=False
        )


@integration_app.command("revoke")
def integration_revoke(integration_id: int) -> None:
    """Revoke an integration by id: its key stops working (within a second on running
    servers)."""
    with local() as c, c.db.session() as session:
        auth.revoke_integration(
            session=session, integration_id=integration_id, actor=local_actor(), now=c.clock()
        )
    console.print(f"integration {integration_id} revoked")


@integration_app.command("list")
def integration_list(as_json: bool = JSON_OPTION) -> None:
    """List integrations (never their keys)."""
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


@audit_app.command("list")
def audit_list(
    limit: int = typer.Option(50, min=1, max=10_000),
    action: str = typer.Option(None, help="e.g. incident.status"),
    target: str = typer.Option(None, help="e.g. INC-20260101-120000"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the newest audit events."""
    with local() as c, c.db.read() as session:
        rows = [
            AuditEventRead.model_validate(e)
            for e in audit_service.list_events(
                session=session, limit=limit, action=action, target=target
            )
        ]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("at (UTC)", "actor", "action", "target", "details")
    for r in rows:
        table.add_row(f"{r.at:%Y-%m-%d %H:%M:%S}", r.actor, r.action, r.target, str(r.details)[:80])
    console.print(table)


@playbook_app.command("validate")
def playbook_validate(file: Path = typer.Argument(..., help="playbook YAML file")) -> None:
    """Check a playbook file; print every problem with its key path."""
    playbook = load_playbook(file)
    rules = len(playbook.classification.rules)
    levels = ", ".join(playbook.severity_levels)
    console.print(f"[green]ok[/green] {file}: {rules} classification rules, levels {levels}")


@playbook_app.command("show")
def playbook_show(
    file: Path = typer.Option(None, help="default: WARROOM_PLAYBOOK or shipped"),
) -> None:
    """Print the effective playbook as YAML."""
    print(dump_playbook(load_playbook(file or Settings().playbook)), end="")
