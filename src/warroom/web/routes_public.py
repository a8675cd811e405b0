"""The public status page: /status, /status.json and the Atom feed /status.atom (no token).

Responses say ``Cache-Control: public, no-cache``: a CDN in front may keep a copy but must
revalidate, so a public update shows at once.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from warroom.web import status_data
from warroom.web.auth import container_of, web_state
from warroom.web.render import page
from warroom.web.statuspage import LABELS, SUMMARY

router = APIRouter(include_in_schema=False)
CACHE = {"Cache-Control": "public, no-cache"}


def _build(request: Request) -> status_data.StatusPage:
    container = container_of(request)
    with container.db.read() as session:
        return status_data.build(session=session, now=container.clock())


@router.get("/status")
def status_page(request: Request) -> Response:
    data = _build(request)
    response = page(
        web_state(request).templates,
        request,
        "status.html",
        {"page": data, "labels": LABELS, "summary": SUMMARY},
    )
    response.headers.update(CACHE)
    return response


@router.get("/status.json")
def status_json(request: Request) -> JSONResponse:
    return JSONResponse(status_data.as_json(_build(request)), headers=CACHE)


@router.get("/status.atom")
def status_feed(request: Request) -> Response:
    data = _build(request)
    entries: list[dict[str, Any]] = [
        {"incident": i, "post": u} for i in data.incidents for u in i.updates
    ]
    entries.sort(key=lambda e: (e["post"].posted_at, e["post"].id), reverse=True)
    base = (container_of(request).settings.public_url or str(request.base_url)).rstrip("/")
    body = (
        web_state(request)
        .templates.get_template("status.atom.xml")
        .render(page=data, entries=entries, base=base, labels=LABELS)
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8", headers=CACHE)
