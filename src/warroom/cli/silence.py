"""``warroom silence ...``: silences (maintenance windows) through the HTTP API: add, list,
expire."""

import typer
from rich.table import Table

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

app = group("Silences (maintenance windows).")


@app.command("add")
def silence_add(
    matcher: list[str] = typer.Argument(
        ..., help="name=value, name!=value, name=~regex, name!~regex"
    ),
    duration: float = typer.Option(60, "--minutes", help="how long, in minutes"),
    comment: str = typer.Option(..., "--comment", "-c", help="why (required)"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Silence matching alerts for a while (they are stored, not paged)."""
    from warroom.silences.models import Matcher

    try:
        matchers = [Matcher.parse(m).model_dump() for m in matcher]
    except ValueError as exc:
        fail(str(exc))
    body = {"matchers": matchers, "duration_minutes": duration, "comment": comment}
    silence = Api(url, token).call("POST", "/api/v1/silences", json=body)
    if as_json:
        print_json(silence)
    else:
        console.print(f"silence {silence['id']} active until {silence['ends_at']}")


@app.command("list")
def silence_list(
    include_expired: bool = typer.Option(False, "--all", help="include ended silences"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List silences."""
    rows = Api(url, token).call(
        "GET", "/api/v1/silences", params={"include_expired": include_expired}
    )
    if as_json:
        print_json(rows)
        return
    table = Table("id", "matchers", "starts", "ends", "active", "by", "comment")
    for s in rows:
        matchers = ", ".join(f"{m['name']}{m['op']}{m['value']}" for m in s["matchers"])
        table.add_row(
            str(s["id"]),
            matchers,
            s["starts_at"],
            s["ends_at"],
            "yes" if s["active"] else "no",
            s["created_by"],
            s["comment"],
        )
    console.print(table)


@app.command("expire")
def silence_expire(silence_id: int, url: str = URL_OPTION, token: str = TOKEN_OPTION) -> None:
    """End a silence now."""
    Api(url, token).call("POST", f"/api/v1/silences/{silence_id}/expire", json=None)
    console.print(f"silence {silence_id} expired")
