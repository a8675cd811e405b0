"""The gateway as an ASGI app of its own.

``warroom gateway`` serves it alone (predictions, feedback, admin, ``/metrics``, health), with
its registry sync and detectors; rollbacks and the rest run in ``warroom serve`` processes and
reach it through the database (a change made elsewhere reaches it within
``gateway_sync_interval``). Predictions themselves are answered by
:class:`~warroom.gateway.predict.PredictEndpoint` in front of the app, here as in ``serve``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from starlette.types import ASGIApp

import warroom
from warroom.api.errors import add_error_handler
from warroom.api.limits import BodySizeLimit
from warroom.api.routes import faults as fault_routes
from warroom.api.routes import gateway as routes
from warroom.api.routes import health
from warroom.bootstrap import Container
from warroom.gateway.detection import DetectorLoop
from warroom.gateway.metrics import GatewayMetrics
from warroom.gateway.predict import PredictEndpoint
from warroom.gateway.runtime import Gateway
from warroom.gateway.sync import GatewaySync

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def gateway_app(
    container: Container,
    gateway: Gateway,
    registry: CollectorRegistry,
    metrics: GatewayMetrics,
    *,
    lifespan: Lifespan | None = None,
    with_health: bool = False,
) -> FastAPI:
    """The gateway's routes on a FastAPI app of their own, sharing ``gateway`` and metrics
    (``registry`` is the one ``/metrics`` serves, ``metrics`` registered in it)."""
    app = FastAPI(
        title="warroom gateway",
        version=warroom.__version__,
        description="Embedded model gateway: predictions, feedback and the admin interface.",
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.gateway = gateway
    app.state.registry = registry
    app.state.gateway_metrics = metrics

    add_error_handler(app)

    app.include_router(routes.router)
    app.include_router(fault_routes.router)  # drills' fault injection (off unless enabled)
    if with_health:
        app.include_router(health.router)
    return app


def create_gateway_asgi(container: Container) -> ASGIApp:
    """What ``warroom gateway`` serves: the gateway alone, with its sync and detectors."""
    gateway = Gateway(container)
    container.routing_listeners.append(gateway.route)
    sync = GatewaySync(gateway)
    detectors = DetectorLoop(gateway)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        sync.start()
        detectors.start()
        try:
            yield
        finally:
            detectors.stop()
            sync.stop()

    registry = CollectorRegistry()
    metrics = GatewayMetrics(registry)
    app = gateway_app(container, gateway, registry, metrics, lifespan=lifespan, with_health=True)
    return BodySizeLimit(
        PredictEndpoint(app, gateway, metrics), max_bytes=container.settings.max_body_bytes
    )
