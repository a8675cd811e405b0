"""Who is using the console: session cookie, CSRF check and role check for every form."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from warroom.auth.models import ROLE_RANK, ApiToken
from warroom.bootstrap import Container, GatewayServer
from warroom.errors import WarroomError
from warroom.web.session import Signer

SESSION_COOKIE = "warroom_session"
LOGIN_COOKIE = "warroom_login"


@dataclass
class WebState:
    signer: Signer
    templates: Jinja2Templates
    refresh_seconds: float


class LoginRequired(Exception):
    """No valid session: pages redirect to the sign-in form, fragments answer 401."""


class Denied(Exception):
    """The console refuses this request (bad CSRF token, viewer role, wrong form encoding)."""

    def __init__(self, status_code: int | None, message: str, *, error: WarroomError | None = None):
        super().__init__(message)
        #: None: the status of ``error``, as the API would answer it.
        self.status_code = status_code
        self.error = error


@dataclass(frozen=True)
class ConsoleUser:
    actor: str
    name: str
    role: str
    csrf: str

    @property
    def can_act(self) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK["responder"]


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def container_of(request: Request) -> Container:
    container = GatewayServer.of(request.app).container
    container.refresh_directory()  # people and teams changed by another process
    return container


def current_user(request: Request) -> ConsoleUser:
    """The signed-in user; the token row is re-read so revocation ends the session at once."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise LoginRequired
    container = container_of(request)
    state = web_state(request)
    data = state.signer.load(cookie, now=int(container.clock().timestamp()))
    if data is None:
        raise LoginRequired
    with container.db.read() as session:
        row = session.get(ApiToken, data.token_id)
        if row is None or row.revoked_at is not None:
            raise LoginRequired
        name, role = row.name, row.role
    return ConsoleUser(
        actor=f"token:{name}", name=name, role=role, csrf=state.signer.csrf(data.sid)
    )


async def form_fields(request: Request) -> dict[str, str]:
    """The urlencoded form body (what every console form posts)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    body = await request.body()
    if not body and not kind:
        return {}  # a bodiless POST: an empty form (the CSRF check then refuses it)
    if kind != "application/x-www-form-urlencoded":
        raise Denied(415, f"expected a form (application/x-www-form-urlencoded), got {kind!r}")
    try:
        return dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError as exc:
        raise Denied(400, "the form is not valid UTF-8") from exc


@dataclass(frozen=True)
class Acting:
    user: ConsoleUser
    form: dict[str, str]


def acting(request: Request, form: Annotated[dict[str, str], Depends(form_fields)]) -> Acting:
    """A signed-in responder or admin posting a form with its session's CSRF token."""
    user = current_user(request)
    if not _csrf_matches(user.csrf, form.get("csrf")):
        raise Denied(403, "the form's CSRF token is missing or wrong: reload the page and retry")
    if not user.can_act:
        raise Denied(403, f"token {user.name!r} is {user.role}: viewers cannot change anything")
    return Acting(user=user, form=form)


def signed_in_form(
    request: Request, form: Annotated[dict[str, str], Depends(form_fields)]
) -> Acting:
    """Any signed-in user posting a form with the right CSRF token (sign-out)."""
    user = current_user(request)
    if not _csrf_matches(user.csrf, form.get("csrf")):
        raise Denied(403, "the form's CSRF token is missing or wrong: reload the page and retry")
    return Acting(user=user, form=form)


def _csrf_matches(expected: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(expected, presented)


User = Annotated[ConsoleUser, Depends(current_user)]
Action = Annotated[Acting, Depends(acting)]
SignedInForm = Annotated[Acting, Depends(signed_in_form)]
