"""The FastAPI application: routes under /api/v1, error mapping, body size limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

import warroom
from warroom.api.errors import add_error_handler, status_for
from warroom.api.guard import RequestGuard
from warroom.api.limits import BodySizeLimit
from warroom.api.predict import PredictEndpoint
from warroom.api.routes import (
    alerts,
    audit,
    detection,
    directory,
    drills,
    guide,
    health,
    incidents,
    integrations,
    jobs,
    postmortems,
    releases,
    reports,
    services,
    silences,
    slack,
    tasks,
    updates,
)
from warroom.api.routes import faults as fault_routes
from warroom.api.routes import gateway as gateway_routes
from warroom.bootstrap import Container, Server, build_server
from warroom.web import mount as mount_web


def create_app(container: Container, server: Server | None = None) -> FastAPI:
    """A FastAPI app bound to this container (tests build one per test); the long-lived
    parts come from ``bootstrap.build_server`` unless a built server is handed in."""
    server = server or build_server(container)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        server.start()
        try:
            yield
        finally:
            server.stop()

    app = FastAPI(
        title="warroom",
        version=warroom.__version__,
        description="Incident response and automated model rollback for ML services.",
        lifespan=lifespan,
    )
    server.attach(app)
    add_error_handler(app)

    for module in (
        health,
        alerts,
        integrations,
        incidents,
        silences,
        audit,
        services,
        releases,
        postmortems,
        reports,
        detection,
        drills,
        updates,
        directory,
        jobs,
        tasks,
        guide,
        slack,
    ):
        app.include_router(module.router)
    integrations.document_bodies(app)
    mount_web(app, container, status_for)  # console at /, public status page at /status
    app.include_router(gateway_routes.router)
    app.include_router(fault_routes.router)
    return app


def create_asgi(container: Container) -> ASGIApp:
    """What ``warroom serve`` serves: the API behind the gateway's predict endpoint (the hot
    path, answered before the app's routing), behind the request guard, under the request
    body size limit."""
    server = build_server(container)
    app = create_app(container, server)
    front = PredictEndpoint(app, server.gateway, server.gateway_metrics)
    return BodySizeLimit(RequestGuard(front), max_bytes=container.settings.max_body_bytes)
