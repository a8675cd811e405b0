"""Sign in to the console with an API token, and sign out.

The sign-in form is protected against login CSRF by a double-submit nonce: a short-lived
cookie and a hidden field derived from it must match. The session cookie is HttpOnly,
SameSite=Lax (a link from a chat message into the console still opens signed in, while
cross-site forms never carry it) and Secure when the console is reached over HTTPS.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from warroom.audit import service as audit
from warroom.auth import service as auth
from warroom.errors import AuthError
from warroom.web.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Denied,
    SignedInForm,
    container_of,
    form_fields,
    web_state,
)
from warroom.web.render import page, redirect
from warroom.web.session import new_session

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Only a path on this site (no scheme, no //host) may follow the sign-in."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _secure(request: Request) -> bool:
    public = container_of(request).settings.public_url or ""
    return request.url.scheme == "https" or public.startswith("https://")


def _login_form(request: Request, next_path: str, error: str | None, status: int) -> Response:
    state = web_state(request)
    nonce = secrets.token_urlsafe(18)
    response = page(
        state.templates,
        request,
        "login.html",
        {"csrf": state.signer.csrf("login:" + nonce), "next": next_path, "error": error},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_COOKIE, nonce, max_age=3600, httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_form(request, safe_next(next), None, 200)


@router.post("/login")
def login(request: Request, form: Annotated[dict[str, str], Depends(form_fields)]) -> Response:
    state = web_state(request)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not state.signer.csrf_ok("login:" + nonce, form.get("csrf")):
        raise Denied(403, "the sign-in form expired or came from another site: reload and retry")
    next_path = safe_next(form.get("next"))
    container = container_of(request)
    now = container.clock()
    try:
        with container.db.session() as session:
            row = auth.authenticate(session=session, token=form.get("token", "").strip())
            audit.record(
                session=session,
                actor=f"token:{row.name}",
                action="console.login",
                target=f"token:{row.id}",
                now=now,
            )
            token_id = row.id
    except AuthError as exc:
        return _login_form(request, next_path, str(exc), 401)
    data = new_session(token_id, int(now.timestamp()))
    response = redirect(next_path)
    response.set_cookie(
        SESSION_COOKIE,
        state.signer.dump(data),
        max_age=state.signer.max_age,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, _: SignedInForm) -> Response:
    response = redirect("/login", flash="Signed out.")
    response.delete_cookie(SESSION_COOKIE)
    return response
