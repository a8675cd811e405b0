"""The gateway as an ASGI app of its own.

``warroom gateway`` serves it alone (predictions, feedback, admin, ``/metrics``, health), with
its registry sync and detectors; rollbacks and the rest run in ``warroom serve`` processes and
reach it through the database (a change made elsewhere reaches it within
``gateway_sync_interval``). Predictions themselves are answered by
:class:`~warroom.api.predict.PredictEndpoint` in front of the app, here as in ``serve``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

import warroom
from warroom.api.errors import add_error_handler
from warroom.api.guard import RequestGuard
from warroom.api.limits import BodySizeLimit
from warroom.api.predict import PredictEndpoint
from warroom.api.routes import faults as fault_routes
from warroom.api.routes import gateway as routes
from warroom.api.routes import health
from warroom.bootstrap import Container, GatewayServer, build_gateway

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def gateway_app(
    server: GatewayServer,
    *,
    lifespan: Lifespan | None = None,
    with_health: bool = False,
) -> FastAPI:
    """The gateway's routes on a FastAPI app of their own, sharing the server's gateway and
    metrics (its ``registry`` is the one ``/metrics`` serves)."""
    app = FastAPI(
        title="warroom gateway",
        version=warroom.__version__,
        description="Embedded model gateway: predictions, feedback and the admin interface.",
        lifespan=lifespan,
    )
    server.attach(app)

    add_error_handler(app)

    app.include_router(routes.router)
    app.include_router(fault_routes.router)  # drills' fault injection (off unless enabled)
    if with_health:
        app.include_router(health.router)
    return app


def create_gateway_asgi(container: Container) -> ASGIApp:
    """What ``warroom gateway`` serves: the gateway alone, with its sync and detectors."""
    server = build_gateway(container)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        server.start()
        try:
            yield
        finally:
            server.stop()

    app = gateway_app(server, lifespan=lifespan, with_health=True)
    return BodySizeLimit(
        RequestGuard(PredictEndpoint(app, server.gateway, server.gateway_metrics)),
        max_bytes=container.settings.max_body_bytes,
    )
