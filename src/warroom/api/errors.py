"""Every WarroomError as a JSON answer with its HTTP status (one handler for every app).

The status of each error class is decided here, in the API layer, and nowhere else: the
classes in ``warroom.errors`` say what went wrong, this table says how HTTP shows it.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from warroom.errors import (
    AuthError,
    BackendError,
    ChatError,
    Conflict,
    DeliveryError,
    Forbidden,
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
}


def status_for(exc: WarroomError) -> int:
    """The HTTP status that shows ``exc``: its class's, or its nearest base class's; 500 for
    an error that only the server can fix (ConfigError and the base class)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


async def _warroom_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WarroomError)
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


def add_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(WarroomError, _warroom_error)
