"""The request guard: what no request may carry, refused before any route sees it.

In front of every app (and of the predict endpoint), behind the body size limit:

- a NUL character in the path or in a query parameter (PostgreSQL cannot compare or store
  one; SQLite would): 422 naming ``path`` or ``query.<name>``;
- an API body that is not strict JSON: invalid UTF-8, a lone surrogate, ``NaN`` or
  ``Infinity``, nesting deeper than 200: 422 naming the position;
- a value in an API body that no database stores as sent, at any depth, free-form objects
  included: an integer beyond 64 bits, a number that overflows to infinity, a NUL in a
  string or a key: 422 naming the field (``body.alerts.0.labels.service``);
- a NUL in a console form.

The body is parsed once more here; the walk over the parsed values runs only when the raw
bytes hold a long run of digits, a large exponent or an escaped NUL, which a clean body almost
never does. The hot paths (webhooks, predictions) skip that second parse: their handlers parse
the raw bytes with pydantic, which refuses what is not strict JSON by itself, and their
schemas type every value they keep (``Int64``, ``FiniteFloat``, ``JsonObject``), so only the
escaped NUL and ``NaN``/``Infinity`` are looked for there (an integer beyond 64 bits in a
field such a handler ignores is ignored with it); the parse would cost about 5 µs per alert,
5 % of intake.
Everything else is each schema's business (lengths, types, time ranges: ``storage.bounds``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from pydantic_core import from_json
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warroom.api.predict import service_of
from warroom.storage.bounds import json_problem

API_PREFIXES = ("/api/", "/v1/")
WEBHOOKS = "/api/v1/integrations/"
BODYLESS = ("GET", "HEAD", "OPTIONS")
_DIGITS = bytes.maketrans(b"0123456789", b"9" * 10)
#: Raw text that may hide an unstorable value: 19 digits (2**63 has 19), an exponent of
#: three digits (1e400 parses to infinity), an escaped NUL.
_SUSPECT_DIGITS = (b"9" * 19, b"e999", b"E999", b"e+999", b"E+999")


def url_problem(scope: Scope) -> dict[str, Any] | None:
    """A NUL in the path or a query parameter, as a FastAPI-shaped error; else None."""
    if "\x00" in scope.get("path", ""):
        return _error(("path",), "the path contains a NUL character")
    raw = scope.get("query_string", b"")
    if b"%00" in raw or b"\x00" in raw:
        for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return _error(("query", name.replace("\x00", "")), "contains a NUL character")
    return None


def body_problem(body: bytes, *, parsed_strictly: bool = False) -> dict[str, Any] | None:
    """Why a JSON body cannot be taken, as a FastAPI-shaped error; else None. With
    ``parsed_strictly`` (the handler parses and types it all), only an escaped NUL."""
    nul = b"\\u0000" in body
    if parsed_strictly and not nul and b"NaN" not in body and b"Infinity" not in body:
        return None
    try:
        value = from_json(body, allow_inf_nan=False)
    except ValueError as invalid:
        return _error(("body",), f"the body is not valid JSON: {invalid}", kind="json_invalid")
    if nul or any(s in body.translate(_DIGITS) for s in _SUSPECT_DIGITS):
        found = json_problem(value)
        if found is not None:
            loc, problem = found
            return _error(("body", *loc), problem)
    return None


def form_problem(body: bytes) -> dict[str, Any] | None:
    if b"%00" in body or b"\x00" in body:
        return _error(("body",), "the form contains a NUL character")
    return None


def _error(loc: tuple[str | int, ...], msg: str, kind: str = "value_error") -> dict[str, Any]:
    return {"type": kind, "loc": list(loc), "msg": msg}


class RequestGuard:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = url_problem(scope)
        if problem is None and scope["method"] not in BODYLESS:
            body = await _read(receive)
            problem = self._check(scope, body)
            receive = _replay(body, receive)
        if problem is not None:
            await _refuse(send, problem)
            return
        await self.app(scope, receive, send)

    def _check(self, scope: Scope, body: bytes) -> dict[str, Any] | None:
        headers = dict(scope.get("headers") or [])
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if kind == b"application/x-www-form-urlencoded":
            return form_problem(body)
        path = scope["path"]
        if not body.strip() or not path.startswith(API_PREFIXES):
            return None  # no body (optional bodies), or a console page: not JSON
        strict = path.startswith(WEBHOOKS) or service_of(scope) is not None
        return body_problem(body, parsed_strictly=strict)


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)  # the client went away; the app sees an empty body
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(send: Send, problem: dict[str, Any]) -> None:
    payload = json.dumps({"detail": [problem]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
