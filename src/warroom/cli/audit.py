"""``warroom audit list``: the audit log, through the API when WARROOM_URL (or ``--url``) is
given, otherwise from this machine's database."""

from typing import Any

import typer
from rich.table import Table

from warroom.cli.common import (
    JSON_OPTION,
    OUTPUT_OPTION,
    TOKEN_OPTION,
    Api,
    console,
    group,
    local,
    output_mode,
    print_json,
)

app = group("The audit log.")


@app.command("list")
def audit_list(
    limit: int = typer.Option(50, min=1, max=1000),
    action: str = typer.Option(None, help="e.g. incident.status"),
    target: str = typer.Option(None, help="e.g. INC-20260101-120000"),
    url: str = typer.Option(
        None,
        "--url",
        envvar="WARROOM_URL",
        help="read through this server's API (an admin token); unset: this machine's database",
        show_default=False,
    ),
    token: str = TOKEN_OPTION,
    output: str = OUTPUT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the newest audit events."""
    mode = output_mode(output, as_json)
    if url:
        params = {"limit": limit, "action": action, "target": target}
        rows = Api(url, token).call(
            "GET", "/api/v1/audit", params={k: v for k, v in params.items() if v is not None}
        )
    else:
        rows = _local(limit, action, target)
    if mode == "json":
        print_json(rows)
        return
    table = Table("at (UTC)", "actor", "action", "target", "details")
    table.columns[0].no_wrap = True
    for r in rows:
        details = str(r["details"]) if mode == "wide" else str(r["details"])[:40]
        table.add_row(r["at"][:19].replace("T", " "), r["actor"], r["action"], r["target"], details)
    console.print(table)


def _local(limit: int, action: str | None, target: str | None) -> list[dict[str, Any]]:
    from warroom.audit import service as audit_service
    from warroom.audit.models import AuditEventRead

    with local() as c, c.db.read() as session:
        return [
            AuditEventRead.model_validate(e).model_dump(mode="json")
            for e in audit_service.list_events(
                session=session, limit=limit, action=action, target=target
            )
        ]
