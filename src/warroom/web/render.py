"""Templates and the small formatting filters they share."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

FLASH_COOKIE = "warroom_flash"

HERE = Path(__file__).parent
STATIC = HERE / "static"


def time_tag(value: datetime | None) -> Markup:
    """A <time> in UTC; console.js rewrites the text to the reader's local time and keeps UTC
    in the tooltip."""
    if value is None:
        return Markup("—")
    utc = value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        value.isoformat(), utc, value.strftime("%Y-%m-%d %H:%M UTC")
    )


def human_seconds(seconds: float | None) -> str:
    """3s, 4m 10s, 2h 5m, 3d 4h."""
    if seconds is None:
        return "—"
    total = int(round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def age(value: datetime, now: datetime) -> str:
    return human_seconds(max((now - value).total_seconds(), 0))


def label(value: str | None) -> str:
    """snake_case to words: partial_outage → partial outage."""
    return (value or "").replace("_", " ")


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.filters["t"] = time_tag
    env.filters["dur"] = human_seconds
    env.filters["label"] = label
    env.globals["age"] = age
    env.globals["escape"] = escape
    return templates


def page(
    templates: Jinja2Templates,
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    flash = take_flash(request)
    response = templates.TemplateResponse(
        request, name, {"flash": flash, **context}, status_code=status_code
    )
    if flash:
        response.delete_cookie(FLASH_COOKIE)
    response.headers.update(SECURITY_HEADERS)
    return response


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def redirect(url: str, *, flash: str | None = None, error: bool = False) -> RedirectResponse:
    """303 to ``url`` (post/redirect/get), carrying a one-time message for the next page."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        value = ("error:" if error else "ok:") + quote(flash[:500])
        response.set_cookie(FLASH_COOKIE, value, max_age=60, httponly=True, samesite="lax")
    return response


def take_flash(request: Request) -> tuple[str, str] | None:
    """The message a redirect left for this page, as (kind, text)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or ":" not in raw:
        return None
    kind, _, text = raw.partition(":")
    return ("error" if kind == "error" else "ok", unquote(text))
