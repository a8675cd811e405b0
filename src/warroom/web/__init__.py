"""The web console (``/``, sign-in with an API token) and the public status page (``/status``).

Server-rendered Jinja2 templates, one hand-written stylesheet and script under ``static/``; no
build step and nothing loaded from elsewhere. ``mount`` adds it all to the API's app.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from warroom.bootstrap import Container
from warroom.errors import WarroomError
from warroom.web import (
    routes_actions,
    routes_console,
    routes_login,
    routes_public,
    routes_releases,
)
from warroom.web.auth import Denied, LoginRequired, WebState
from warroom.web.render import STATIC, make_templates, page, redirect
from warroom.web.session import Signer, load_secret


def mount(app: FastAPI, container: Container, status_for: Callable[[WarroomError], int]) -> None:
    """Serve the console and the status page from ``app``; ``status_for`` is the API's
    mapping of an error to its HTTP status, used for the console's error pages too."""
    settings = container.settings
    state = WebState(
        signer=Signer(load_secret(settings), settings.session_max_age),
        templates=make_templates(),
        refresh_seconds=settings.console_refresh,
    )
    app.state.web = state

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _: LoginRequired) -> Response:
        if request.url.path.startswith("/fragments/"):
            return PlainTextResponse("sign in again", status_code=401)
        if request.method != "GET":  # a form from an expired session: sign in, then retry
            return redirect("/login", flash="Your session ended: sign in again.", error=True)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/login?next={quote(target, safe='/')}")

    @app.exception_handler(Denied)
    async def _denied(request: Request, exc: Denied) -> Response:
        status = exc.status_code or (status_for(exc.error) if exc.error else 500)
        return page(
            state.templates,
            request,
            "error.html",
            {"message": str(exc), "status": status},
            status_code=status,
        )

    for module in (routes_public, routes_login, routes_console, routes_actions, routes_releases):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
