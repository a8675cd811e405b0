"""``warroom init``: a first configuration for the user's own team: a commented playbook
(the shipped one, with the team's people, rotation and channel in place of the placeholders)
and the database. Asks for what the flags did not give when stdin is a terminal, never
otherwise (a script gets the defaults)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from warroom.cli.common import check_database, console, err_console, fail

_PEOPLE_START = "# Who responds."
_CHANNELS_START = "# How people are reached."
_CHAT_START = "# The war room in chat"


def init(
    team: str = typer.Option(None, "--team", help="your team's name, e.g. ml-platform"),
    person: list[str] = typer.Option(
        None, "--person", metavar="NAME:EMAIL", help="someone on call (repeat the flag)"
    ),
    channel: str = typer.Option(
        None,
        "--channel",
        metavar="URL",
        help="where pages go: a Slack webhook (https://hooks.slack.com/...), smtp://host:port, "
        "another https:// webhook, an apprise URL, or log",
    ),
    output: Path = typer.Option(
        None, "--output", "-o", metavar="FILE", help="default: WARROOM_HOME/playbook.yaml"
    ),
    force: bool = typer.Option(False, "--force", help="replace an existing file"),
) -> None:
    """Write a commented playbook for your team and create the database.

    warroom then uses WARROOM_HOME/playbook.yaml whenever WARROOM_PLAYBOOK is not set."""
    from warroom.bootstrap import bootstrap
    from warroom.config import Settings
    from warroom.errors import PlaybookError
    from warroom.playbook.loader import parse_playbook

    settings = Settings()
    target = (output or settings.resolved_home / "playbook.yaml").expanduser()
    if target.exists() and not force:
        fail(f"{target} exists: edit it, or give --force to replace it")
    team, people, channel = _ask(team, person or [], channel)
    text = render(team, [_person(p) for p in people], channel, now=datetime.now(UTC))
    try:
        parse_playbook(text, source=str(target))
    except PlaybookError as exc:
        fail(str(exc).replace("\n", " "))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    target.chmod(0o600)  # a channel URL may carry a secret
    check_database(settings, create=True)
    bootstrap(settings.model_copy(update={"playbook": target}), migrate=True).close()
    console.print(f"wrote {target} for team {team} ({len(people)} people)", highlight=False)
    err_console.print(
        "next: warroom serve; warroom token create --role admin; "
        "warroom integration create alertmanager --name prod",
        highlight=False,
        soft_wrap=True,
    )


def _ask(team: str | None, people: list[str], channel: str | None) -> tuple[str, list[str], str]:
    """Prompt for what is missing when a person is at the terminal; defaults otherwise."""
    import getpass

    interactive = sys.stdin.isatty()
    if team is None:
        team = typer.prompt("Team name", default="my-team") if interactive else "my-team"
    if not people:
        me = f"{getpass.getuser()}:"
        if interactive:
            answer = typer.prompt("People on call (name:email, comma separated)", default=me)
            people = [p.strip() for p in answer.split(",") if p.strip()]
        else:
            people = [me]
    if channel is None:
        channel = (
            typer.prompt("Where pages go (URL, or log)", default="log") if interactive else "log"
        )
    return team, people, channel


def _person(text: str) -> tuple[str, str]:
    name, _, email = text.partition(":")
    if not name.strip():
        fail(f"--person {text!r}: expected NAME:EMAIL, e.g. alice:alice@example.com")
    return name.strip(), email.strip()


def channel_config(url: str) -> tuple[str, str | None]:
    """The channel type a URL is for, and the URL (None for the log channel)."""
    if url in ("", "log"):
        return "log", None
    if url.startswith("https://hooks.slack.com/"):
        return "slack", url
    if url.startswith(("smtp://", "smtps://")):
        return "email", url
    if url.startswith(("http://", "https://")):
        return "webhook", url
    if "://" in url:
        return "apprise", url
    fail(f"--channel {url!r}: expected a URL (https://, smtp://, slack://, ...) or log")


def render(team: str, people: list[tuple[str, str]], channel: str, *, now: datetime) -> str:
    """The shipped playbook's text with the team's own on-call and channel sections."""
    from warroom.playbook.loader import default_playbook_text

    shipped = default_playbook_text()
    head, rest = shipped.split(_PEOPLE_START, 1)
    _, after_channels = rest.split(_CHAT_START, 1)
    head = head.split("version: 1", 1)[1].replace("name: default", f"name: {_q(team)}", 1)
    kind, url = channel_config(channel)
    return (
        _header(team, now)
        + "version: 1"
        + head
        + _oncall(team, people, kind, now)
        + _channels(kind, url)
        + _CHAT_START
        + after_channels
    )


def _q(value: str) -> str:
    return json.dumps(value)  # a JSON string is a YAML scalar, quoted where it must be


def _header(team: str, now: datetime) -> str:
    return (
        f"# warroom playbook for team {team}, written by `warroom init` on {now:%Y-%m-%d}.\n"
        "# Severity levels, classification, rollback and checklists are warroom's defaults;\n"
        "# the on-call and channel sections are your team's. Edit freely, then check it with\n"
        "# `warroom playbook validate FILE` and restart `warroom serve`.\n"
    )


def _oncall(team: str, people: list[tuple[str, str]], kind: str, now: datetime) -> str:
    monday = (now - timedelta(days=now.weekday())).replace(hour=9, minute=0, second=0)
    start = _q(monday.replace(microsecond=0).isoformat())
    names = [n for n, _ in people]
    behind = names[1:] + names[:1]
    lines = [
        f"{_PEOPLE_START} Every alert goes to {team}. Its people take a week of primary\n",
        "# on-call each, handing off on Mondays at 09:00 UTC; secondary is the next person in\n",
        "# line. A page goes to primary at once, to secondary after 15 minutes and to the team's\n",
        "# manager after 30 (P0 and P1); P2 pages primary only, P3 and P4 page nobody.\n",
        "# `warroom oncall now` shows who is on call. Add teams and routes as you grow.\n",
        "oncall:\n  people:\n",
    ]
    for name, email in people:
        to = email if kind in ("email", "webhook", "apprise") and email else ""
        to = name if kind == "log" else to
        contact = f"{{channel: team, to: {_q(to)}}}" if to else "{channel: team}"
        kept = f"    # {email}" if email and to != email else ""  # for your records
        lines.append(f"    - {{name: {_q(name)}, contacts: [{contact}]}}{kept}\n")
    lines += [
        "  schedules:\n",
        f"    - {{name: primary, layers: [{{members: {_list(names)}, "
        f"start: {start}, shift: 7d}}]}}\n",
        f"    - {{name: secondary, layers: [{{members: {_list(behind)}, "
        f"start: {start}, shift: 7d}}]}}\n",
        "  teams:\n",
        f"    - name: {_q(team)}\n",
        "      oncall: {primary: primary, secondary: secondary}\n",
        f"      manager: {_q(names[0])}    # paged after 30 minutes of a P0 or P1\n",
        "  routes:\n",
        f"    - {{match: {{}}, team: {_q(team)}}}    # catch-all: every alert\n",
        "  escalation_policies:\n",
        "    - name: escalation-chain\n",
        "      levels:\n",
        "        - {after: 0m, targets: [{oncall: primary}]}\n",
        "        - {after: 15m, targets: [{oncall: secondary}]}\n",
        "        - {after: 30m, targets: [{team_manager: true}]}\n",
        "    - name: notify-oncall\n",
        "      levels:\n",
        "        - {after: 0m, targets: [{oncall: primary}]}\n",
        "  policy_by_severity: {P0: escalation-chain, P1: escalation-chain, P2: notify-oncall, "
        "P3: null, P4: null}\n\n",
    ]
    return "".join(lines)


def _list(names: list[str]) -> str:
    return "[" + ", ".join(_q(n) for n in names) + "]"


def _channels(kind: str, url: str | None) -> str:
    text = (
        f"{_CHANNELS_START} `team` is where every page goes. Other types: webhook (options:\n"
        "# {secret: ${WEBHOOK_SECRET}} signs it), slack, email (smtp://) or apprise (slack://,\n"
        "# msteams://, ntfy://host/{to}, mailto://, ...). A channel URL is a secret: keep this\n"
        "# file private, or write ${ENV_VAR} in its place, e.g. url: ${SLACK_WEBHOOK_URL}.\n"
        "channels:\n"
    )
    if url is None:
        return text + "  - {name: team, type: log}    # pages go to warroom's log\n\n"
    return text + f"  - {{name: team, type: {kind}, url: {_q(url)}}}\n\n"
