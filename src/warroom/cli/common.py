"""Shared CLI plumbing: settings, console output, HTTP client, one-line errors.

Imported by every command module before arguments are parsed, so it stays light: httpx,
the settings and the container are imported by the functions that use them."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup

if TYPE_CHECKING:
    import httpx

    from warroom.bootstrap import Container

console = Console()
err_console = Console(stderr=True)

URL_OPTION = typer.Option(
    "http://127.0.0.1:8080", "--url", envvar="WARROOM_URL", help="warroom server base URL"
)
TOKEN_OPTION = typer.Option(
    None, "--token", envvar="WARROOM_TOKEN", help="API token (or WARROOM_TOKEN)", show_default=False
)
JSON_OPTION = typer.Option(False, "--json", help="print JSON instead of a table")
OUTPUT_OPTION = typer.Option(
    "table",
    "--output",
    "-o",
    metavar="FORMAT",
    help="table (fits 80 columns), wide (every column) or json",
)
_OUTPUTS = ("table", "wide", "json")
ALL_OPTION = typer.Option(False, "--all", help="every row, however many (ignores --limit)")
#: The most rows the server returns in one page; longer listings follow its cursors.
PAGE_MAX = 1000


def limit_option(default: int) -> Any:
    """``--limit``: how many rows to list (more than a page follows the server's cursors)."""
    return typer.Option(default, "--limit", min=1, help="how many rows to list, newest first")


#: The flags every group has but a command line seldom gives (see ``CommandGroup``).
_UNGIVEN_FLAGS = ("help", "install_completion", "show_completion")


class CommandGroup(TyperGroup):
    """Typer's group, without its slowest step in ``warroom GROUP COMMAND --help``.

    Typer coerces each parameter's value through a pydantic TypeAdapter it builds on first
    use, so parsing a command line that goes through a group imported pydantic (about 0.2 s)
    only to pass on the ``None`` defaults of the group's flags that were not given: ``--help``
    of each group on the way, and the root's ``--install-completion`` and
    ``--show-completion``. Typer skips coercion for a flag whose value is already a bool, so
    those defaults become ``False``: same meaning (unset), same help, no pydantic."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for param in self.get_params(ctx):
            if param.default is None and param.name in _UNGIVEN_FLAGS:
                param.default = False
        name_placeholders(self, ctx)
        for command in self.commands.values():
            name_placeholders(command, ctx)
        return super().parse_args(ctx, args)


def name_placeholders(command: Any, ctx: Any) -> None:
    """Help shows what to type, as kubectl and gh do: ``--service SERVICE``, ``MATCHER``,
    a choice as ``a|b|c``, and nothing after a flag that takes no value (Typer's own
    placeholders are Python types: ``<list[str]>``, ``<bool>``). A placeholder a command set
    itself (``metavar=``) is kept."""
    for param in command.get_params(ctx):
        if param.metavar is not None or param.name is None:
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
            continue
        kind = getattr(param, "type_descriptor", None)
        choices = kind.choices if kind is not None and kind.is_choice else None
        param.metavar = "|".join(_choice(c) for c in choices) if choices else param.name.upper()
        if param.param_type_name == "argument":
            # An argument's name column already shows the placeholder; its type column
            # would repeat it as a Python type.
            param.display_type_rich = _no_type


def group(help_text: str) -> typer.Typer:
    """A command group (``warroom NAME ...``); without a subcommand it prints its help."""
    return typer.Typer(help=help_text, no_args_is_help=True, cls=CommandGroup)


def settle_heap() -> None:
    """For long-running processes, once started: what exists now (the app, models, schemas,
    imported libraries) lives as long as the process, so it is frozen out of the garbage
    collector's reach. A full collection otherwise walks all of it, stalling every thread
    for about 150 ms a few times a minute under load, to free nothing."""
    gc.collect()
    gc.freeze()


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def local_actor() -> str:
    """Who acts, in the audit log, for commands run on this machine's database."""
    import getpass

    return f"cli:{getpass.getuser()}"


def _no_type(ctx: Any) -> None:
    return None


def _choice(value: Any) -> str:
    return str(getattr(value, "value", value))


def output_mode(output: str, as_json: bool = False) -> str:
    """``-o table|wide|json`` (``--json`` is ``-o json``), refused in one line otherwise."""
    if as_json:
        return "json"
    if output not in _OUTPUTS:
        fail(f"--output: expected one of {', '.join(_OUTPUTS)}, got {output!r}")
    return output


def database_label(url: str) -> str:
    """A database URL as it may be shown: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def check_database(settings: Any, *, create: bool = False) -> None:
    """Say on stderr which database a command works on, and refuse a fresh one unless asked
    to create it: a command that quietly makes a new empty database (whose tokens the real
    server does not know) is worse than one that stops."""
    import os

    from sqlalchemy.exc import SQLAlchemyError

    from warroom.storage.migrate import is_fresh

    url = settings.resolved_database_url
    try:
        fresh = is_fresh(url)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fail(f"cannot open the database {database_label(url)}: {reason}")
    if create or not fresh:
        err_console.print(f"[dim]database: {database_label(url)}[/dim]", highlight=False)
        return
    hint = ""
    if os.environ.get("WARROOM_URL"):
        hint = " (WARROOM_URL is set, but this command works on the database directly)"
    fail(
        f"no warroom database at {database_label(url)}{hint}: set WARROOM_DATABASE_URL to the "
        "database your server uses, or run `warroom init` to create one here"
    )


@contextmanager
def local(*, create: bool = False) -> Iterator[Container]:
    """A container on this machine's database, schema brought up to date; the database must
    exist unless ``create`` (see ``check_database``)."""
    from warroom.bootstrap import bootstrap
    from warroom.config import Settings

    settings = Settings()
    check_database(settings, create=create)
    container = bootstrap(settings, migrate=True)
    try:
        yield container
    finally:
        container.close()


@contextmanager
def waiting(message: str) -> Iterator[None]:
    """Progress for a wait longer than a moment: a spinner with the elapsed time on stderr
    when it is a terminal; otherwise one line, so a log shows what the command waited for."""
    if not err_console.is_terminal:
        err_console.print(f"[dim]{message}...[/dim]", highlight=False)
        yield
        return
    with err_console.status(message):
        yield


class Api:
    """A thin client for the warroom HTTP API that turns every failure into one line."""

    def __init__(self, url: str, token: str | None):
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base = url.rstrip("/")
        self.client = httpx.Client(base_url=self.base, headers=headers, timeout=30)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        return response.json() if response.content else None

    def rows(self, path: str, params: dict[str, Any], *, limit: int, every: bool) -> list[Any]:
        """Up to ``limit`` rows of a list endpoint (all of them with ``every``), reading page
        after page through the ``X-Next-Cursor`` each page carries."""
        found: list[Any] = []
        cursor: str | None = None
        while True:
            size = PAGE_MAX if every else min(PAGE_MAX, limit - len(found))
            query = {**params, "limit": size, **({"cursor": cursor} if cursor else {})}
            response = self._send("GET", path, params=query)
            found += response.json()
            cursor = response.headers.get("x-next-cursor")
            if cursor is None or (not every and len(found) >= limit):
                return found

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            fail(f"cannot reach warroom at {self.base}: {exc}")
        if response.status_code >= 400:
            fail(f"{response.status_code} {_detail(response)}")
        return response


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        return response.text[:500]
    if isinstance(detail, list):  # FastAPI validation errors: show each field path
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}" for e in detail
        )
    return str(detail)
