"""Slack's request signature (v0): HMAC-SHA256 with the signing secret over
``v0:<X-Slack-Request-Timestamp>:<raw body>``, sent as ``X-Slack-Signature: v0=<hex>``.

A request older (or newer) than five minutes is refused, so a captured request cannot be
replayed later; the comparison takes constant time, so timing reveals nothing.
"""

from __future__ import annotations

import hashlib
import hmac

WINDOW_SECONDS = 5 * 60


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Slack-Signature`` value Slack sends for this body and timestamp."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def problem(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> str | None:
    """Why the request must be refused, or None when it is Slack's."""
    if not timestamp or not signature:
        return "missing X-Slack-Request-Timestamp or X-Slack-Signature"
    try:
        sent = int(timestamp)
    except ValueError:
        return "X-Slack-Request-Timestamp is not a number"
    if abs(now - sent) > WINDOW_SECONDS:
        return "request timestamp is more than 5 minutes away from now"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        return "signature does not match"
    return None
