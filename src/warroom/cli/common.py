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
        return super().parse_args(ctx, args)


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


@contextmanager
def local() -> Iterator[Container]:
    """A container on this machine's database, schema brought up to date."""
    from warroom.bootstrap import bootstrap
    from warroom.config import Settings

    container = bootstrap(Settings(), migrate=True)
    try:
        yield container
    finally:
        container.close()


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
