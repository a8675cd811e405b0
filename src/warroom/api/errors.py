"""Every WarroomError as a JSON answer with its status code (one handler for every app)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from warroom.errors import WarroomError


async def _warroom_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WarroomError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return JSONResponse({"detail": str(exc)}, status_code=exc.status_code, headers=headers)


def add_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(WarroomError, _warroom_error)
