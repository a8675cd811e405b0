"""The FastAPI application: routes under /api/v1, error mapping, body size limit."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp

import warroom
from warroom.api.limits import BodySizeLimit
from warroom.api.metrics import ApiMetrics
from warroom.api.routes import alerts, audit, health, incidents, integrations, silences
from warroom.bootstrap import Container
from warroom.errors import WarroomError


def create_app(container: Container) -> FastAPI:
    """A FastAPI app bound to this container (tests build one per test)."""
    app = FastAPI(
        title="warroom",
        version=warroom.__version__,
        description="Incident response and automated model rollback for ML services.",
    )
    app.state.container = container
    app.state.metrics = ApiMetrics(container.db)
    app.state.registry = app.state.metrics.registry

    @app.exception_handler(WarroomError)
    async def _warroom_error(_: Request, exc: WarroomError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code, headers=headers)

    for module in (health, alerts, integrations, incidents, silences, audit):
        app.include_router(module.router)
    return app


def create_asgi(container: Container) -> ASGIApp:
    """The app wrapped in the request body size limit, as served by ``warroom serve``."""
    return BodySizeLimit(create_app(container), max_bytes=container.settings.max_body_bytes)
