"""The FastAPI application: routes under /api/v1, error mapping, body size limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

import warroom
from warroom.api.errors import add_error_handler
from warroom.api.limits import BodySizeLimit
from warroom.api.metrics import ApiMetrics
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
    reports,
    services,
    silences,
    tasks,
    updates,
)
from warroom.api.routes import faults as fault_routes
from warroom.api.routes import gateway as gateway_routes
from warroom.auth.service import KnownKeys
from warroom.bootstrap import Container
from warroom.gateway.detection import DetectorLoop
from warroom.gateway.metrics import GatewayMetrics
from warroom.gateway.predict import PredictEndpoint
from warroom.gateway.runtime import Gateway
from warroom.gateway.sync import GatewaySync
from warroom.reports.prometheus import ResponseMetrics
from warroom.runners.rollback import RollbackRunner
from warroom.web import mount as mount_web


def create_app(container: Container) -> FastAPI:
    """A FastAPI app bound to this container (tests build one per test)."""
    gateway = Gateway(container)
    container.routing_listeners.append(gateway.route)
    sync = GatewaySync(gateway)
    detectors = DetectorLoop(gateway)
    runner = RollbackRunner(container)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        sync.start()
        runner.start()
        detectors.start()
        try:
            yield
        finally:
            detectors.stop()
            runner.stop()
            sync.stop()

    app = FastAPI(
        title="warroom",
        version=warroom.__version__,
        description="Incident response and automated model rollback for ML services.",
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.metrics = ApiMetrics(container.db)
    app.state.registry = app.state.metrics.registry
    app.state.registry.register(ResponseMetrics(container.db, container.playbook, container.clock))
    app.state.gateway = gateway
    app.state.gateway_metrics = GatewayMetrics(app.state.registry)
    app.state.rollback_runner = runner
    app.state.integration_keys = KnownKeys(ttl=container.settings.integration_key_cache)

    add_error_handler(app)

    for module in (
        health,
        alerts,
        integrations,
        incidents,
        silences,
        audit,
        services,
        postmortems,
        reports,
        detection,
        drills,
        updates,
        directory,
        jobs,
        tasks,
        guide,
    ):
        app.include_router(module.router)
    integrations.document_bodies(app)
    mount_web(app, container)  # console at /, public status page at /status
    app.include_router(gateway_routes.router)
    app.include_router(fault_routes.router)
    return app


def create_asgi(container: Container) -> ASGIApp:
    """What ``warroom serve`` serves: the API behind the gateway's predict endpoint (the hot
    path, answered before the app's routing), under the request body size limit."""
    app = create_app(container)
    front = PredictEndpoint(app, app.state.gateway, app.state.gateway_metrics)
    return BodySizeLimit(front, max_bytes=container.settings.max_body_bytes)
