"""The ``webhook`` channel: POSTs the message as JSON, signed with HMAC-SHA256.

Playbook: ``{name: hook, type: webhook, url: https://receiver/path, options: {secret:
${WEBHOOK_SECRET}}}``. Every request carries:

- ``Idempotency-Key``: the same on every attempt of one notification; drop a repeat.
- ``X-Warroom-Timestamp``: Unix seconds when this attempt was signed.
- ``X-Warroom-Signature``: ``sha256=`` + hex HMAC-SHA256 over ``<timestamp>.<raw body>``
  with the channel's ``secret`` (only when a secret is set).

A receiver verifies by recomputing the HMAC over the raw bytes it received, comparing in
constant time, and refusing timestamps older than a few minutes (replays). ``verify`` below
does exactly that and is the reference for receivers in other languages.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time

import httpx

from warroom.errors import DeliveryError
from warroom.notify.channels.base import Channel, Message

SIGNATURE = "X-Warroom-Signature"
TIMESTAMP = "X-Warroom-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(
    secret: str, body: bytes, timestamp: str, signature: str, *, now: float, tolerance: float = 300
) -> bool:
    """True when ``signature`` is ours for ``body`` and ``timestamp`` is within tolerance."""
    try:
        age = abs(now - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def client() -> httpx.Client:
    """One pooled client per process: a new one per page costs ~40 ms (its TLS context is
    built from the CA bundle) and drops keep-alive to the receiver. Thread-safe."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(follow_redirects=False)
        return _client


def post(channel: Channel, body: dict[str, object], message: Message, secret: str = "") -> None:
    """POST ``body``; any answer but 2xx, or no answer, is a DeliveryError naming the host."""
    raw = json.dumps(body, separators=(",", ":"), default=str).encode()
    headers = {**channel.headers(message), "Content-Type": "application/json"}
    # The receiver's replay window is wall-clock time, so the wall clock is right here.
    timestamp = str(int(time.time()))
    headers[TIMESTAMP] = timestamp
    if secret:
        headers[SIGNATURE] = sign(secret, timestamp, raw)
    try:
        response = client().post(channel.url, content=raw, headers=headers, timeout=channel.timeout)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{channel.where()}: {type(exc).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"{channel.where()}: HTTP {response.status_code}")


class WebhookChannel(Channel):
    type = "webhook"

    def send(self, message: Message) -> None:
        body = {
            "id": message.key,
            "to": message.to,
            "subject": message.subject,
            "text": message.body,
            "incident_id": message.incident_id,
            **message.data,
        }
        post(self, body, message, secret=self.option("secret"))
