"""Every WarroomError as a JSON answer with its HTTP status, and invalid requests as 422s
that can always be encoded (one set of handlers for every app).

The status of each error class is decided here, in the API layer, and nowhere else: the
classes in ``warroom.errors`` say what went wrong, this table says how HTTP shows it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from warroom.errors import (
    AuthError,
    BackendError,
    ChatError,
    Conflict,
    DeliveryError,
    Forbidden,
    InputRejected,
    InvalidInput,
    NotFound,
    PlaybookError,
    PredictionFailed,
    WarroomError,
)

#: Most specific class first wins (the lookup walks each error's class hierarchy).
STATUS: dict[type[WarroomError], int] = {
    InvalidInput: 422,
    PlaybookError: 422,
    NotFound: 404,
    Conflict: 409,
    AuthError: 401,
    Forbidden: 403,
    DeliveryError: 502,
    BackendError: 502,
    ChatError: 502,
    PredictionFailed: 502,
    InputRejected: 422,
}


def status_for(exc: WarroomError) -> int:
    """The HTTP status that shows ``exc``: its class's, or its nearest base class's; 500 for
    an error that only the server can fix (ConfigError and the base class)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def encodable(value: Any) -> Any:
    """``value`` with everything JSON cannot carry made text: NaN and Infinity, raw bytes
    that are not UTF-8, strings with lone surrogates, exceptions and other objects. The
    error path must always be able to answer, whatever the request held."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, bool | int | None):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, dict):
        return {str(encodable(k)): encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [encodable(v) for v in value]
    return encodable(str(value))


def error_answer(status: int, detail: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps({"detail": encodable(detail)}, allow_nan=False)
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def validation_errors(errors: Any) -> list[Any]:
    """Pydantic's errors as FastAPI shows them (no documentation URL)."""
    return [{k: v for k, v in e.items() if k != "url"} for e in errors]


async def _warroom_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, WarroomError)
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return error_answer(status, str(exc), headers)


async def _request_invalid(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_answer(422, validation_errors(exc.errors()))


async def _model_invalid(_: Request, exc: Exception) -> Response:
    # A value built from the request failed a model deeper down (e.g. a webhook label that
    # becomes a too-long service name): still the request's fault, still named.
    assert isinstance(exc, ValidationError)
    return error_answer(422, validation_errors(exc.errors(include_url=False)))


def add_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(WarroomError, _warroom_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(ValidationError, _model_invalid)
