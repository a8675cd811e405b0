"""Console sessions: the secret key, signed session cookies and CSRF tokens.

A session cookie holds the API token's row id, when it was issued and a random session id,
signed with HMAC-SHA256. The token itself never leaves the sign-in request, and every request
re-reads the token row, so revoking a token (or changing its role) ends its console sessions
at once. The CSRF token of a session is an HMAC of its session id: forms carry it in a hidden
field and the server compares it in constant time.

Secret key decision: ``WARROOM_SECRET_KEY`` when set (at least 32 characters; required when
several servers share a database, so a session signed by one is valid on the others);
otherwise a random key generated once into ``$WARROOM_HOME/secret_key`` (mode 600) and reused
after restarts, so a single-node install is secure without configuration.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from warroom.config import Settings
from warroom.errors import ConfigError

SECRET_FILE = "secret_key"


def load_secret(settings: Settings) -> bytes:
    """The configured secret key, else the one persisted in the home directory (made once)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.resolved_home / SECRET_FILE
    try:
        if not path.exists():
            _create_secret(path)
        value = path.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot keep the console's secret key in {path} ({exc.strerror}): make the home "
            "directory writable or set WARROOM_SECRET_KEY"
        ) from exc
    if len(value) < 32:
        raise ConfigError(
            f"{path} holds a secret key shorter than 32 characters: delete it (a new one is "
            "generated) or set WARROOM_SECRET_KEY"
        )
    return value.encode()


def _create_secret(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when two processes start together, one writes and the other reads its key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SessionData:
    token_id: int
    issued_at: int
    sid: str


class Signer:
    """Signs and checks session cookies; derives CSRF tokens."""

    def __init__(self, secret: bytes, max_age: int):
        self._key = hashlib.sha256(b"warroom-session:" + secret).digest()
        self._csrf_key = hashlib.sha256(b"warroom-csrf:" + secret).digest()
        self.max_age = max_age

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def dump(self, data: SessionData) -> str:
        body = {"t": data.token_id, "i": data.issued_at, "s": data.sid}
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(payload)}"

    def load(self, cookie: str, now: int) -> SessionData | None:
        """The session in a cookie, or None when it is forged, malformed or expired."""
        payload, _, mac = cookie.partition(".")
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            body = json.loads(_unb64(payload))
            data = SessionData(int(body["t"]), int(body["i"]), str(body["s"]))
        except (ValueError, KeyError, TypeError):
            return None
        if not 0 <= now - data.issued_at <= self.max_age:
            return None
        return data

    def csrf(self, sid: str) -> str:
        return _b64(hmac.new(self._csrf_key, sid.encode(), hashlib.sha256).digest())

    def csrf_ok(self, sid: str, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(self.csrf(sid), presented)


def new_session(token_id: int, now: int) -> SessionData:
    return SessionData(token_id=token_id, issued_at=now, sid=secrets.token_urlsafe(18))
