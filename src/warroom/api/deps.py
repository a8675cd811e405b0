"""Request dependencies: the container, the server's long-lived parts, and who is calling
with which role. They read the app's state in one typed place: ``GatewayServer.of``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from warroom.auth import service as auth
from warroom.bootstrap import Container, GatewayServer, Server
from warroom.errors import AuthError
from warroom.gateway.runtime import Gateway


@dataclass(frozen=True)
class Principal:
    actor: str
    role: str


# The dependencies are coroutines that touch the database only when they must (a directory
# refresh is due, a token was not verified lately), and then in a worker thread: a plain
# function would cost every request a hop to the thread pool and back.


async def get_container(request: Request) -> Container:
    container = GatewayServer.of(request.app).container
    if container.directory_due():  # people and teams changed by another process
        await run_in_threadpool(container.refresh_directory)
    return container


async def get_server(request: Request) -> Server:
    """The serving process's long-lived parts (rollback runner, metrics, key cache)."""
    return Server.of(request.app)


async def get_gateway(request: Request) -> Gateway:
    return GatewayServer.of(request.app).gateway


ContainerDep = Annotated[Container, Depends(get_container)]
ServerDep = Annotated[Server, Depends(get_server)]
GatewayDep = Annotated[Gateway, Depends(get_gateway)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def _principal(request: Request, needed: str) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise AuthError("missing API token: send 'Authorization: Bearer <token>'")
    container = await get_container(request)
    tokens = GatewayServer.of(request.app).api_tokens
    row = tokens.known(token)
    if row is None:
        row = await run_in_threadpool(tokens.authenticate, container.db, token)
    auth.require_role(row, needed)
    return Principal(actor=f"token:{row.name}", role=row.role)


async def viewer(request: Request) -> Principal:
    return await _principal(request, "viewer")


async def responder(request: Request) -> Principal:
    return await _principal(request, "responder")


async def admin(request: Request) -> Principal:
    return await _principal(request, "admin")


Viewer = Annotated[Principal, Depends(viewer)]
Responder = Annotated[Principal, Depends(responder)]
Admin = Annotated[Principal, Depends(admin)]
