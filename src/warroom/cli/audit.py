"""``warroom audit list``: the audit log in this machine's database."""

import typer
from rich.table import Table

from warroom.cli.common import (
    ALL_OPTION,
    JSON_OPTION,
    PAGE_MAX,
    console,
    group,
    limit_option,
    local,
    print_json,
)

app = group("The audit log.")


@app.command("list")
def audit_list(
    limit: int = limit_option(50),
    every: bool = ALL_OPTION,
    action: str = typer.Option(None, help="e.g. incident.status"),
    target: str = typer.Option(None, help="e.g. INC-20260101-120000"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the newest audit events."""
    from warroom.audit import service as audit_service
    from warroom.audit.models import AuditEventRead

    rows: list[AuditEventRead] = []
    cursor: str | None = None
    with local() as c, c.db.read() as session:
        while every or len(rows) < limit:
            size = PAGE_MAX if every else min(PAGE_MAX, limit - len(rows))
            page = audit_service.list_events(
                session=session, limit=size, action=action, target=target, cursor=cursor
            )
            rows += [AuditEventRead.model_validate(e) for e in page]
            if (cursor := page.next_cursor) is None:
                break
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("at (UTC)", "actor", "action", "target", "details")
    for r in rows:
        table.add_row(f"{r.at:%Y-%m-%d %H:%M:%S}", r.actor, r.action, r.target, str(r.details)[:80])
    console.print(table)
