"""``POST /v1/models/{service}/predict`` as a bare ASGI endpoint: the gateway's hot path.

A FastAPI route would spend more on routing, middleware and dependency solving than the
gateway spends choosing a version and recording the outcome, so predictions are answered
here, before the application; every other path goes on to the app. Input is validated with
the same strictness (a pydantic model, 422 with FastAPI's error shape), errors map as the
app maps them.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import anyio.to_thread
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from warroom.api.errors import encodable, status_for
from warroom.errors import InputRejected, PredictionFailed, WarroomError
from warroom.gateway.metrics import GatewayMetrics
from warroom.gateway.runtime import Gateway, Prediction

PREFIX = "/v1/models/"
#: Worker threads one service's predictions may hold at once (anyio's own default limit is
#: 40 for the whole process: a stuck model would take them all).
THREADS_PER_SERVICE = 32
SUFFIX = "/predict"


class PredictRequest(BaseModel):
    """A prediction request: one row of features (finite numbers)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    features: list[float] = Field(min_length=1, max_length=10_000)


def service_of(scope: Scope) -> str | None:
    """The service a predict request names, or None for any other request."""
    if scope["type"] != "http":  # lifespan and websocket scopes have no path
        return None
    path: str = scope["path"]
    if not (path.startswith(PREFIX) and path.endswith(SUFFIX)):
        return None
    name = path[len(PREFIX) : -len(SUFFIX)]
    return name if name and "/" not in name else None


class PredictEndpoint:
    """Answers predict requests; hands everything else to ``app``."""

    def __init__(self, app: ASGIApp, gateway: Gateway, metrics: GatewayMetrics):
        self.app = app
        self.gateway = gateway
        self.metrics = metrics
        self.limiters: dict[str, anyio.CapacityLimiter] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        service = service_of(scope)
        if service is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            await _answer(send, 405, {"detail": "Method Not Allowed"}, allow=b"POST")
            return
        try:
            body = PredictRequest.model_validate_json(await _read(receive))
        except ValidationError as invalid:
            detail = invalid.errors(include_url=False, include_context=False)
            await _answer(send, 422, {"detail": [_located(e) for e in detail]})
            return
        try:
            answer = await self._predict(service, body.features)
        except WarroomError as failed:
            await _answer(send, status_for(failed), {"detail": str(failed)})
            return
        await _answer(send, 200, _payload(answer))

    async def _predict(self, service: str, features: list[float]) -> Prediction:
        """No model call runs on the event loop: each goes to a worker thread, under a limit
        per service, so a slow or stuck model holds only its own service's threads and every
        other service keeps answering."""
        try:
            answer = await anyio.to_thread.run_sync(
                self.gateway.predict, service, features, limiter=self._limiter(service)
            )
        except PredictionFailed as failed:
            self.metrics.record_error(service, failed.version)
            raise
        except InputRejected as rejected:
            self.metrics.record_rejected(service, rejected.version)
            raise
        self.metrics.record(
            service, answer.version, answer.latency_ms, answer.prediction, answer.probability
        )
        return answer

    def _limiter(self, service: str) -> anyio.CapacityLimiter:
        found = self.limiters.get(service)
        if found is None:
            found = self.limiters[service] = anyio.CapacityLimiter(THREADS_PER_SERVICE)
        return found


def _payload(answer: Prediction) -> dict[str, Any]:
    return {
        "request_id": answer.request_id,
        "version": answer.version,
        "prediction": answer.prediction,
        "probability": answer.probability,
        "degraded": answer.degraded,
        "held_for_review": answer.held_for_review,
    }


def _located(error: Any) -> Any:
    # FastAPI reports body errors under ("body", ...); keep that shape for clients. What
    # JSON cannot carry (the raw bytes of unparsable input, NaN) becomes text.
    return encodable({**error, "loc": ["body", *error["loc"]]})


async def _read(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(send: Send, status: int, payload: dict[str, Any], allow: bytes = b"") -> None:
    body = json.dumps(encodable(payload), allow_nan=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if allow:
        headers.append((b"allow", allow))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
