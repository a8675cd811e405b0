"""Shared CLI plumbing: settings, console output, HTTP client, one-line errors."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import httpx
import typer
from rich.console import Console

from warroom.bootstrap import Container, bootstrap
from warroom.config import Settings

console = Console()
err_console = Console(stderr=True)

URL_OPTION = typer.Option(
    "http://127.0.0.1:8080", "--url", envvar="WARROOM_URL", help="warroom server base URL"
)
TOKEN_OPTION = typer.Option(
    None, "--token", envvar="WARROOM_TOKEN", help="API token (or WARROOM_TOKEN)", show_default=False
)
JSON_OPTION = typer.Option(False, "--json", help="print JSON instead of a table")


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


@contextmanager
def local() -> Iterator[Container]:
    """A container on this machine's database, schema brought up to date."""
    container = bootstrap(Settings(), migrate=True)
    try:
        yield container
    finally:
        container.close()


class Api:
    """A thin client for the warroom HTTP API that turns every failure into one line."""

    def __init__(self, url: str, token: str | None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base = url.rstrip("/")
        self.client = httpx.Client(base_url=self.base, headers=headers, timeout=30)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            fail(f"cannot reach warroom at {self.base}: {exc}")
        if response.status_code >= 400:
            fail(f"{response.status_code} {_detail(response)}")
        return response.json() if response.content else None


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
