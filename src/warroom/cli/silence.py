"""``warroom silence ...``: silences (maintenance windows) through the HTTP API: add, list,
expire."""

import typer

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

app = group("Silences (maintenance windows).")


@app.command("add")
def silence_add(
    matcher: list[str] = typer.Argument(
        ..., help="name=value, name!=value, name=~regex, name!~regex"
    ),
    duration: str = typer.Option(
        None, "--duration", "-d", help="how long: 30m, 2h, 1d12h (default 1h)", show_default=False
    ),
    start: str = typer.Option(
        None, "--start", metavar="TIME", help="ISO 8601 with offset (default: now)"
    ),
    end: str = typer.Option(
        None, "--end", metavar="TIME", help="ISO 8601 with offset, instead of --duration"
    ),
    minutes: float = typer.Option(None, "--minutes", hidden=True),  # before --duration
    comment: str = typer.Option(..., "--comment", "-c", help="why (required)"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Silence matching alerts for a while (they are stored, not paged), e.g.
    `warroom silence add service=fraud-model --duration 2h -c "planned retraining"`."""
    from warroom.silences.models import Matcher

    try:
        matchers = [Matcher.parse(m).model_dump() for m in matcher]
    except ValueError as exc:
        fail(str(exc))
    body = {"matchers": matchers, "comment": comment, **_span(duration, minutes, start, end)}
    silence = Api(url, token).call("POST", "/api/v1/silences", json=body)
    if as_json:
        print_json(silence)
    else:
        console.print(f"silence {silence['id']} active until {silence['ends_at']}")


def _span(
    duration: str | None, minutes: float | None, start: str | None, end: str | None
) -> dict[str, object]:
    """The API's time fields from the flags: one of --duration or --end (default 1h)."""
    from warroom.playbook.durations import parse_duration

    if duration is not None and minutes is not None:
        fail("give --duration or --minutes, not both")
    if end is not None and (duration is not None or minutes is not None):
        fail("give --duration or --end, not both")
    span: dict[str, object] = {"starts_at": _instant("--start", start)} if start else {}
    if end is not None:
        return {**span, "ends_at": _instant("--end", end)}
    if minutes is None:
        try:
            minutes = parse_duration(duration or "1h").total_seconds() / 60
        except ValueError as exc:
            fail(f"--duration: {exc}")
    if minutes <= 0:
        fail("--duration: a silence must last longer than 0s")
    return {**span, "duration_minutes": minutes}


def _instant(flag: str, text: str) -> str:
    from datetime import datetime

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{flag}: not an ISO 8601 time: {text!r} (e.g. 2026-11-23T22:00:00Z)")
    if value.tzinfo is None:
        fail(f"{flag}: give a UTC offset, e.g. {text}Z or {text}+01:00")
    return value.isoformat()


@app.command("list")
def silence_list(
    include_expired: bool = typer.Option(False, "--all", help="include ended silences"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    output: str = OUTPUT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List silences."""
    from warroom.cli.render import listing, when

    mode = output_mode(output, as_json)
    rows = Api(url, token).call(
        "GET", "/api/v1/silences", params={"include_expired": include_expired}
    )
    if mode == "json":
        print_json(rows)
        return
    columns = [("id", "key"), ("matchers", "text"), ("starts (UTC)", "wide")]
    columns += [("ends (UTC)", "key"), ("active", "text"), ("by", "wide"), ("comment", "text")]
    cells = [
        [
            str(s["id"]),
            ", ".join(f"{m['name']}{m['op']}{m['value']}" for m in s["matchers"]),
            when(s["starts_at"]),
            when(s["ends_at"]),
            "yes" if s["active"] else "no",
            s["created_by"],
            s["comment"],
        ]
        for s in rows
    ]
    console.print(listing(columns, cells, wide=mode == "wide"))


@app.command("expire")
def silence_expire(silence_id: int, url: str = URL_OPTION, token: str = TOKEN_OPTION) -> None:
    """End a silence now."""
    Api(url, token).call("POST", f"/api/v1/silences/{silence_id}/expire", json=None)
    console.print(f"silence {silence_id} expired")
