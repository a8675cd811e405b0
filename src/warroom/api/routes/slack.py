"""Requests from Slack: button clicks (interactivity) and the ``/warroom`` slash command.

Both verify Slack's signature (``X-Slack-Signature``, v0 HMAC-SHA256 over
``v0:<timestamp>:<raw body>`` with the signing secret, at most five minutes old) and refuse
anything else with 401, before reading the body's content. The Slack user must map to a
warroom person (see ``chatops.people``); an unknown user gets an ephemeral refusal and
nothing changes. The work itself is a few database writes, answered well within Slack's
3-second limit; what follows a click (the confirmation) goes through ``response_url`` from
a durable job.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from warroom.api.deps import ContainerDep
from warroom.bootstrap import Container, Server
from warroom.chat import registry as platforms
from warroom.chat import service as chat
from warroom.chat.base import expand
from warroom.chat.signature import problem
from warroom.chatops import commands, people
from warroom.errors import AuthError, ChatError, InvalidInput, NotFound, WarroomError
from warroom.playbook.chat import ChatPolicy

router = APIRouter(prefix="/api/v1/slack", tags=["slack"])
UNKNOWN = "warroom does not know you: ask an admin to add your Slack user to the directory."


def _verified(container: Container, request: Request, body: bytes) -> ChatPolicy:
    policy = container.playbook.chat
    if policy is None:
        raise NotFound("chat is not configured in the playbook")
    try:
        secret = expand(policy.signing_secret, "signing_secret")
    except ChatError:
        raise AuthError("the Slack signing secret is not set: refusing every request") from None
    why = problem(
        secret,
        request.headers.get("x-slack-request-timestamp"),
        request.headers.get("x-slack-signature"),
        body,
        time.time(),
    )
    if why:
        raise AuthError(f"not a request from Slack: {why}")
    return policy


def _form(body: bytes) -> dict[str, str]:
    try:
        return {k: v[0] for k, v in parse_qs(body.decode(), strict_parsing=False).items()}
    except UnicodeDecodeError:
        raise InvalidInput("the body is not form-encoded text") from None


def _asker(container: Container, policy: ChatPolicy, user: str, channel: str | None) -> Any:
    platform = platforms.platform(policy)
    try:
        person = people.person_for(
            sessions=container.db.session,
            platform=platform,
            playbook=container.playbook,
            user=user,
            now=container.clock(),
        )
    except ChatError:
        person = None  # Slack could not tell us who this is: refuse rather than guess
    if person is None:
        return None
    return commands.Asker(platform=platform.type, user=user, person=person, channel=channel)


def _ephemeral(text: str) -> JSONResponse:
    return JSONResponse({"response_type": "ephemeral", "text": text})


@router.post("/commands", summary="The /warroom slash command (signed by Slack)")
async def slash_command(request: Request, container: ContainerDep) -> JSONResponse:
    body = await request.body()
    policy = _verified(container, request, body)
    form = _form(body)
    if not form.get("user_id"):
        raise InvalidInput("a slash command carries user_id")
    return await run_in_threadpool(_command, request, container, policy, form)


def _command(
    request: Request, container: Container, policy: ChatPolicy, form: dict[str, str]
) -> JSONResponse:
    asker = _asker(container, policy, form["user_id"], form.get("channel_id"))
    if asker is None:
        return _ephemeral(UNKNOWN)
    submit = Server.of(request.app).rollback_runner.submit
    try:
        return _ephemeral(commands.command(container, asker, form.get("text", ""), submit))
    except WarroomError as exc:  # said to the person, not an HTTP error Slack would hide
        return _ephemeral(f"Could not do that: {exc}")


@router.post("/interactions", summary="Button clicks (Slack interactivity, signed by Slack)")
async def interaction(request: Request, container: ContainerDep) -> Response:
    body = await request.body()
    policy = _verified(container, request, body)
    try:
        payload = json.loads(_form(body).get("payload", ""))
        user, actions = payload["user"]["id"], payload.get("actions") or []
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("expected a form field payload= with Slack's interaction JSON") from None
    if payload.get("type") != "block_actions" or not actions:
        return Response(status_code=200)  # nothing warroom offers: acknowledged, ignored
    return await run_in_threadpool(_click, request, container, policy, payload, user, actions[0])


def _click(
    request: Request,
    container: Container,
    policy: ChatPolicy,
    payload: dict[str, Any],
    user: str,
    action: dict[str, Any],
) -> Response:
    channel = (payload.get("channel") or {}).get("id")
    asker = _asker(container, policy, user, channel)
    submit = Server.of(request.app).rollback_runner.submit
    if asker is None:
        answer = UNKNOWN
    else:
        try:
            answer = commands.button(
                container, asker, str(action.get("action_id")), str(action.get("value", "")), submit
            )
        except WarroomError as exc:
            answer = f"Could not do that: {exc}"
    url = payload.get("response_url")
    if url:
        with container.db.session() as session:
            chat.respond_later(
                session=session,
                url=url,
                text=answer,
                key=f"{payload.get('trigger_id') or time.time_ns()}",
                now=container.clock(),
            )
    return Response(status_code=200)
