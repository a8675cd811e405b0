"""``warroom audit list``: the audit log, through the API when WARROOM_URL (or ``--url``) is
given, otherwise from this machine's database."""

from typing import Any

import typer
from rich.table import Table

from warroom.cli.common import (
    ALL_OPTION,
    JSON_OPTION,
    OUTPUT_OPTION,
    PAGE_MAX,
    TOKEN_OPTION,
    Api,
    console,
    group,
    limit_option,
    local,
    output_mode,
    print_json,
)

app = group("The audit log.")


@app.command("list")
def audit_list(
    limit: int = limit_option(50),
    every: bool = ALL_OPTION,
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
        params = {"action": action, "target": target}
        rows = Api(url, token).rows(
            "/api/v1/audit",
            {k: v for k, v in params.items() if v is not None},
            limit=limit,
            every=every,
        )
    else:
        rows = _local(limit, every, action, target)
    if mode == "json":
        print_json(rows)
        return
    table = Table("at (UTC)", "actor", "action", "target", "details")
    table.columns[0].no_wrap = True
    for r in rows:
        details = str(r["details"]) if mode == "wide" else str(r["details"])[:40]
        table.add_row(r["at"][:19].replace("T", " "), r["actor"], r["action"], r["target"], details)
    console.print(table)


def _local(limit: int, every: bool, action: str | None, target: str | None) -> list[dict[str, Any]]:
    from warroom.audit import service as audit_service
    from warroom.audit.models import AuditEventRead

    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    with local() as c, c.db.read() as session:
        while every or len(rows) < limit:
            size = PAGE_MAX if every else min(PAGE_MAX, limit - len(rows))
            page = audit_service.list_events(
                session=session, limit=size, action=action, target=target, cursor=cursor
            )
            rows += [AuditEventRead.model_validate(e).model_dump(mode="json") for e in page]
            if (cursor := page.next_cursor) is None:
                break
    return rows
