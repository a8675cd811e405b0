"""A local Slack: the Web API methods warroom calls, speaking Slack's protocol (the same
paths, bearer token, form / JSON / query bodies, ``{"ok": false, "error": ...}`` answers,
``429`` with ``Retry-After``), plus ``response_url`` endpoints; and requests signed exactly
as Slack signs interactivity and slash-command requests."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from warroom.chat.signature import sign

TOKEN = "xoxb-test-0000-secret"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT = "UBOT0001"
_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class SlackServer:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    #: method → [remaining 429 answers, Retry-After seconds]
    limits: dict[str, list[int]] = field(default_factory=dict)
    #: Called with each call before it is answered (after it took effect for `after`).
    after: Callable[[Call], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._clock = time.time()

    # --- test helpers ---------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, email: str) -> None:
        self.users[user_id] = {"id": user_id, "name": name, "profile": {"email": email}}

    def rate_limit(self, method: str, times: int, retry_after: int = 30) -> None:
        self.limits[method] = [times, retry_after]

    def by_name(self, name: str) -> dict[str, Any] | None:
        return next((c for c in self.channels.values() if c["name"] == name), None)

    def count(self, method: str) -> int:
        return sum(1 for c in self.calls if c.method == method)

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                owner._handle(self, _single(parse_qs(urlsplit(self.path).query)))

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.headers.get("content-type", "").startswith("application/json"):
                    body: dict[str, Any] = json.loads(raw or b"{}")
                else:
                    body = _single(parse_qs(raw.decode()))
                owner._handle(self, body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self.url + "/api/"

    def stop(self) -> None:
        self.server.shutdown()

    # --- protocol -------------------------------------------------------------------------
    def _handle(self, http: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        params = dict(body)
        for key in ("blocks", "metadata"):  # a form body carries these as JSON text
            if isinstance(params.get(key), str) and params[key]:
                params[key] = json.loads(params[key])
        path = urlsplit(http.path).path
        if path.startswith("/respond/"):
            self.responses.append({"path": path, **params})
            return _answer(http, 200, {"ok": True})
        method = path.removeprefix("/api/")
        if http.headers.get("authorization") != f"Bearer {TOKEN}":
            return _answer(http, 200, {"ok": False, "error": "invalid_auth"})
        with self.lock:
            limit = self.limits.get(method)
            if limit and limit[0] > 0:
                limit[0] -= 1
                self.calls.append(Call(f"429:{method}", params))
                return _answer(
                    http, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(limit[1])}
                )
            handler = getattr(self, "m_" + method.replace(".", "_"), None)
            result = handler(params) if handler else {"ok": False, "error": "unknown_method"}
            call = Call(method, params)
            self.calls.append(call)
        if self.after is not None:
            self.after(call)
        _answer(http, 200, result)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _ts(self) -> str:
        self._clock = max(self._clock + 0.000001, time.time())
        return f"{self._clock:.6f}"

    def _channel(self, params: dict[str, Any]) -> dict[str, Any] | str:
        channel = self.channels.get(str(params.get("channel", "")))
        if channel is None:
            return "channel_not_found"
        if BOT not in channel["members"]:
            return "not_in_channel"
        return channel

    def m_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://test.slack.com/",
            "team": "Test",
            "user": "warroom",
            "team_id": "T0001",
            "user_id": BOT,
            "bot_id": "B0001",
        }

    def m_conversations_create(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p.get("name", ""))
        if not name or len(name) > 80 or set(name) - _NAME_OK or name != name.lower():
            return {"ok": False, "error": "invalid_name_specials"}
        if self.by_name(name) is not None:
            return {"ok": False, "error": "name_taken"}
        cid = self._new_id("C")
        self.channels[cid] = {
            "id": cid,
            "name": name,
            "is_channel": True,
            "created": int(time.time()),
            "creator": BOT,
            "is_archived": False,
            "members": [BOT],
            "messages": [],
            "pins": [],
            "is_private": str(p.get("is_private", "")).lower() in ("true", "1"),
            "topic": {"value": "", "creator": "", "last_set": 0},
        }
        return {"ok": True, "channel": self._public(self.channels[cid])}

    def _public(self, c: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in c.items() if k not in ("members", "messages", "pins")}

    def m_conversations_list(self, p: dict[str, Any]) -> dict[str, Any]:
        skip = str(p.get("exclude_archived", "")).lower() in ("true", "1")
        found = [
            self._public(c)
            for c in self.channels.values()
            if not c["id"].startswith("D") and not (skip and c["is_archived"])
        ]
        start, limit = int(p.get("cursor") or 0), 2  # small pages: warroom must follow cursors
        page = found[start : start + limit]
        more = str(start + limit) if start + limit < len(found) else ""
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": more}}

    def m_conversations_setTopic(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        channel = self._channel(p)
        if isinstance(channel, str):
            return {"ok": False, "error": channel}
        channel["topic"] = {"value": p["topic"], "creator": BOT, "last_set": int(time.time())}
        return {"ok": True, "channel": self._public(channel)}

    def m_conversations_invite(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        if isinstance(channel, str):
            return {"ok": False, "error": channel}
        users = str(p.get("users", "")).split(",")
        if any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found"}
        if any(u in channel["members"] for u in users):
            return {"ok": False, "error": "already_in_channel"}
        channel["members"] += users
        return {"ok": True, "channel": self._public(channel)}

    def m_conversations_archive(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        if isinstance(channel, str):
            return {"ok": False, "error": channel}
        if channel["is_archived"]:
            return {"ok": False, "error": "already_archived"}
        channel["is_archived"] = True
        return {"ok": True}

    def m_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        if isinstance(channel, str):
            return {"ok": False, "error": channel}
        oldest = float(p.get("oldest") or 0)
        meta = str(p.get("include_all_metadata", "")).lower() in ("true", "1")
        found = [
            {k: v for k, v in m.items() if k != "metadata" or meta}
            for m in reversed(channel["messages"])
            if float(m["ts"]) > oldest
        ][: int(p.get("limit") or 100)]
        return {"ok": True, "messages": found, "has_more": False}

    def _direct(self, user: str) -> str:
        """The bot's direct-message channel with a user (``D`` + the user id's rest)."""
        dm = "D" + user[1:]
        self.channels.setdefault(
            dm,
            {
                "id": dm,
                "name": "",
                "is_im": True,
                "user": user,
                "members": [BOT, user],
                "messages": [],
                "pins": [],
                "is_archived": False,
            },
        )
        return dm

    def m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(p.get("users", "")).split(",") if u]
        if len(users) != 1:  # warroom opens one-to-one messages only
            return {"ok": False, "error": "not_enough_users" if not users else "too_many_users"}
        if users[0] not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": self._direct(users[0])}}

    def m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        target = str(p.get("channel", ""))
        if target in self.users:  # a direct message: Slack opens the app's DM with the user
            p = {**p, "channel": self._direct(target)}
        channel = self._channel(p)
        if isinstance(channel, str):
            return {"ok": False, "error": channel}
        if channel["is_archived"]:
            return {"ok": False, "error": "is_archived"}
        if not p.get("text") and not p.get("blocks"):
            return {"ok": False, "error": "no_text"}
        message = {
            "type": "message",
            "user": BOT,
            "bot_id": "B0001",
            "ts": self._ts(),
            "text": p.get("text", ""),
            "blocks": p.get("blocks") or [],
        }
        if p.get("metadata"):
            message["metadata"] = p["metadata"]
        channel["messages"].append(message)
        return {"ok": True, "channel": channel["id"], "ts": message["ts"], "message": message}

    def m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        if isinstance(channel, str):
            return {"ok": False, "error": channel}
        message = next((m for m in channel["messages"] if m["ts"] == p.get("ts")), None)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.update(text=p.get("text", ""), blocks=p.get("blocks") or [], edited=True)
        return {"ok": True, "channel": channel["id"], "ts": message["ts"]}

    def m_pins_add(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p)
        if isinstance(channel, str):
            return {"ok": False, "error": channel}
        ts = p.get("timestamp")
        if not any(m["ts"] == ts for m in channel["messages"]):
            return {"ok": False, "error": "message_not_found"}
        if ts in channel["pins"]:
            return {"ok": False, "error": "already_pinned"}
        channel["pins"].append(ts)
        return {"ok": True}

    def m_users_lookupByEmail(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        email = p.get("email")
        user = next((u for u in self.users.values() if u["profile"]["email"] == email), None)
        return {"ok": True, "user": user} if user else {"ok": False, "error": "users_not_found"}

    def m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(p.get("user", "")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}


def _single(form: dict[str, list[str]]) -> dict[str, Any]:
    """A query string or form body as Slack reads it: one value per field."""
    return {k: v[0] if len(v) == 1 else v for k, v in form.items()}


def _answer(
    http: BaseHTTPRequestHandler,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> None:
    raw = json.dumps(body).encode()
    http.send_response(status)
    http.send_header("Content-Type", "application/json; charset=utf-8")
    for key, value in (headers or {}).items():
        http.send_header(key, value)
    http.send_header("Content-Length", str(len(raw)))
    http.end_headers()
    http.wfile.write(raw)


def signed_headers(
    body: bytes, *, secret: str = SIGNING_SECRET, at: float | None = None
) -> dict[str, str]:
    """The headers Slack sends with a request: its timestamp and v0 signature."""
    timestamp = str(int(time.time() if at is None else at))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(secret, timestamp, body),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }


def click(
    base: str,
    slack: SlackServer,
    *,
    user: str,
    action_id: str,
    value: str,
    channel: str = "",
    secret: str = SIGNING_SECRET,
    at: float | None = None,
) -> httpx.Response:
    """A button click, built as Slack builds a ``block_actions`` interaction."""
    payload = {
        "type": "block_actions",
        "user": {
            "id": user,
            "username": slack.users.get(user, {}).get("name", "x"),
            "team_id": "T0001",
        },
        "api_app_id": "A0001",
        "token": "verification-token-unused",
        "container": {"type": "message", "channel_id": channel, "is_ephemeral": False},
        "trigger_id": f"{time.time_ns()}.0001.abc",
        "team": {"id": "T0001", "domain": "test"},
        "channel": {"id": channel, "name": "incident"},
        "response_url": f"{slack.url}/respond/{time.time_ns()}",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
                "text": {"type": "plain_text", "text": action_id},
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return httpx.post(
        f"{base}/api/v1/slack/interactions",
        content=body,
        headers=signed_headers(body, secret=secret, at=at),
        timeout=30,
    )


def command(
    base: str,
    slack: SlackServer,
    *,
    user: str,
    text: str,
    channel: str = "C0",
    secret: str = SIGNING_SECRET,
    at: float | None = None,
) -> httpx.Response:
    """``/warroom <text>``, built as Slack builds a slash-command request."""
    form = {
        "token": "verification-token-unused",
        "team_id": "T0001",
        "team_domain": "test",
        "channel_id": channel,
        "channel_name": "incident",
        "user_id": user,
        "user_name": slack.users.get(user, {}).get("name", "x"),
        "command": "/warroom",
        "text": text,
        "api_app_id": "A0001",
        "is_enterprise_install": "false",
        "response_url": f"{slack.url}/respond/{time.time_ns()}",
        "trigger_id": f"{time.time_ns()}.0001.abc",
    }
    body = urlencode(form).encode()
    return httpx.post(
        f"{base}/api/v1/slack/commands",
        content=body,
        headers=signed_headers(body, secret=secret, at=at),
        timeout=30,
    )
