"""``warroom notification list``: the notification outbox, through the HTTP API."""

import typer

from warroom.cli.common import (
    ALL_OPTION,
    JSON_OPTION,
    TOKEN_OPTION,
    URL_OPTION,
    Api,
    console,
    group,
    limit_option,
    print_json,
)
from warroom.cli.render import rows_table

app = group("The notification outbox.")


@app.command("list")
def notification_list(
    incident: str = typer.Option(None, help="only this incident's"),
    status: str = typer.Option(None, help="pending, sent, failed or dead"),
    limit: int = limit_option(100),
    every: bool = ALL_OPTION,
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List notifications, newest first."""
    params = {k: v for k, v in (("incident_id", incident), ("status", status)) if v}
    rows = Api(url, token).rows("/api/v1/notifications", params, limit=limit, every=every)
    if as_json:
        print_json(rows)
        return
    columns = ["id", "incident_id", "person", "channel", "target", "level", "status", "attempts"]
    console.print(rows_table(rows, columns))
