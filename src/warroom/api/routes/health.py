"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from warroom.api.deps import ContainerDep, Viewer
from warroom.bootstrap import GatewayServer
from warroom.intake import log as intake_log

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(container: ContainerDep) -> Response:
    try:
        container.db.ping()
    except Exception as exc:  # any driver error means "not ready", with the reason
        reason = type(exc).__name__  # the message may carry connection details
        return JSONResponse({"status": "unavailable", "database": reason}, status_code=503)
    return JSONResponse({"status": "ok", "database": container.db.dialect})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(GatewayServer.of(request.app).registry), media_type=CONTENT_TYPE_LATEST
    )


@router.get("/api/v1/health")
def health(container: ContainerDep, _: Viewer) -> dict[str, object]:
    """The database in use and the intake log: batches accepted by the webhooks and still
    waiting to be ingested, and those whose ingest failed (kept, with the error)."""
    with container.db.read() as session:
        counts = intake_log.backlog(session)
        failed = intake_log.failed(session)
    return {
        "status": "ok",
        "database": container.db.dialect,
        "intake_log": {**counts, "failed_rows": failed},
    }
