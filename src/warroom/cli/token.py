"""``warroom token ...``: API tokens in this machine's database: create, list, revoke."""

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

app = group("API tokens (viewer < responder < admin).")


@app.command("create")
def token_create(
    role: Literal["viewer", "responder", "admin"] = typer.Option("responder", help="token role"),
    name: str = typer.Option(None, help="a name to recognise it by"),
) -> None:
    """Create an API token and print it (it is shown only once).

    Works on the database directly (WARROOM_DATABASE_URL, named on stderr): the first admin
    token of a new setup can only be made this way. The database must exist already (`warroom
    init`, `warroom serve` or `warroom db upgrade` creates it)."""
    from warroom.auth import service as auth
    from warroom.storage.base import utcnow

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


@app.command("list")
def token_list(as_json: bool = JSON_OPTION) -> None:
    """List tokens (never their secrets)."""
    from warroom.auth import service as auth
    from warroom.auth.models import TokenRead

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


@app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token by id."""
    from warroom.auth import service as auth

    with local() as c, c.db.session() as session:
        auth.revoke_token(session=session, token_id=token_id, actor=local_actor(), now=c.clock())
    console.print(f"token {token_id} revoked")
