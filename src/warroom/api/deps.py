"""Request dependencies: the container, the server's long-lived parts, and who is calling
with which role. They read the app's state in one typed place: ``GatewayServer.of``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from warroom.auth import service as auth
from warroom.bootstrap import Container, GatewayServer, Server
from warroom.errors import AuthError
from warroom.gateway.runtime import Gateway


@dataclass(frozen=True)
class Principal:
    actor: str
    role: str


def get_container(request: Request) -> Container:
    container = GatewayServer.of(request.app).container
    container.refresh_directory()  # people and teams changed by another process
    return container


def get_server(request: Request) -> Server:
    """The serving process's long-lived parts (rollback runner, metrics, key cache)."""
    return Server.of(request.app)


def get_gateway(request: Request) -> Gateway:
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


def _principal(request: Request, needed: str) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise AuthError("missing API token: send 'Authorization: Bearer <token>'")
    container = get_container(request)
    with container.db.read() as session:
        row = auth.authenticate(session=session, token=token)
    auth.require_role(row, needed)
    return Principal(actor=f"token:{row.name}", role=row.role)


def viewer(request: Request) -> Principal:
    return _principal(request, "viewer")


def responder(request: Request) -> Principal:
    return _principal(request, "responder")


def admin(request: Request) -> Principal:
    return _principal(request, "admin")


Viewer = Annotated[Principal, Depends(viewer)]
Responder = Annotated[Principal, Depends(responder)]
Admin = Annotated[Principal, Depends(admin)]
