"""API tokens (viewer < responder < admin) and per-integration webhook keys.

Only SHA-256 hashes are stored: the plaintext is shown once, when created. Tokens carry 256
bits of randomness, so an unsalted fast hash is enough to make a stolen table useless.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.auth.models import ROLE_RANK, ApiToken, Integration
from warroom.errors import AuthError, Forbidden, InvalidInput, NotFound
from warroom.storage.engine import Database

TOKEN_PREFIX = "wr_"
KEY_PREFIX = "wri_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *, session: Session, name: str, role: str, actor: str, now: datetime
) -> tuple[ApiToken, str]:
    """Store a new token; returns the row and the plaintext (shown once)."""
    if role not in ROLE_RANK:
        raise InvalidInput(f"role {role!r}: expected one of {', '.join(ROLE_RANK)}")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name, role=role, token_hash=_hash(plaintext), prefix=plaintext[:10], created_at=now
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="token.create",
        target=f"token:{row.id}",
        now=now,
        name=name,
        role=role,
    )
    return row, plaintext


def authenticate(*, session: Session, token: str) -> ApiToken:
    """The live token matching this secret, or AuthError."""
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _hash(token))).first()
    if row is None or row.revoked_at is not None:
        raise AuthError("unknown or revoked API token")
    return row


def require_role(token: ApiToken, needed: str) -> None:
    if ROLE_RANK[token.role] < ROLE_RANK[needed]:
        raise Forbidden(f"token {token.name!r} is {token.role}; this needs {needed} or higher")


def revoke_token(*, session: Session, token_id: int, actor: str, now: datetime) -> ApiToken:
    """Revoke a token so it no longer authenticates."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"token {token_id} not found")
    row.revoked_at = now
    audit.record(
        session=session, actor=actor, action="token.revoke", target=f"token:{token_id}", now=now
    )
    return row


def list_tokens(*, session: Session) -> list[ApiToken]:
    """Every token, newest first (hashes never leave this module)."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def create_integration(
    *, session: Session, kind: str, name: str, actor: str, now: datetime
) -> tuple[Integration, str]:
    """Store a webhook integration; returns the row and its key (shown once)."""
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    row = Integration(kind=kind, name=name, key_hash=_hash(key), prefix=key[:10], created_at=now)
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="integration.create",
        target=f"integration:{row.id}",
        now=now,
        kind=kind,
        name=name,
    )
    return row, key


def authenticate_integration(*, session: Session, kind: str, key: str) -> Integration:
    """The live integration of this kind with this key, or AuthError."""
    row = session.scalars(select(Integration).where(Integration.key_hash == _hash(key))).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.kind, kind):
        raise AuthError(f"unknown or revoked {kind} integration key")
    return row


def revoke_integration(
    *, session: Session, integration_id: int, actor: str, now: datetime
) -> Integration:
    """Revoke a webhook integration so its key no longer authenticates (running servers stop
    accepting it within ``integration_key_cache`` seconds)."""
    row = session.get(Integration, integration_id)
    if row is None:
        raise NotFound(f"integration {integration_id} not found")
    if row.revoked_at is None:
        row.revoked_at = now
        audit.record(
            session=session,
            actor=actor,
            action="integration.revoke",
            target=f"integration:{integration_id}",
            now=now,
            kind=row.kind,
            name=row.name,
        )
    return row


class KnownKeys:
    """Integration keys this process verified in the last ``ttl`` seconds, by kind and key
    hash: a storm's webhooks skip the lookup, and a revoked key stops working within ``ttl``.
    Only successes are kept: an unknown key is looked up every time."""

    def __init__(self, ttl: float):
        self.ttl = ttl
        self._known: dict[tuple[str, str], tuple[Integration, float]] = {}

    def authenticate(self, db: Database, kind: str, key: str) -> Integration:
        """The live integration of this kind with this key, or AuthError."""
        entry = (kind, _hash(key))
        found = self._known.get(entry)
        if found is not None and found[1] > time.monotonic():
            return found[0]
        with db.read() as session:
            row = authenticate_integration(session=session, kind=kind, key=key)
        self._known[entry] = (row, time.monotonic() + self.ttl)
        return row


class KnownTokens:
    """API tokens this process verified in the last ``ttl`` seconds, by hash: a request skips
    the lookup, and a revoked token stops working within ``ttl``. Only successes are kept:
    an unknown token is looked up every time."""

    def __init__(self, ttl: float):
        self.ttl = ttl
        self._known: dict[str, tuple[ApiToken, float]] = {}

    def known(self, token: str) -> ApiToken | None:
        """The token if it was verified within ``ttl`` (no database read); else None."""
        found = self._known.get(_hash(token))
        return found[0] if found is not None and found[1] > time.monotonic() else None

    def authenticate(self, db: Database, token: str) -> ApiToken:
        """The live token matching this secret, or AuthError."""
        found = self.known(token)
        if found is not None:
            return found
        digest = _hash(token)
        with db.read() as session:
            row = authenticate(session=session, token=token)
        self._known[digest] = (row, time.monotonic() + self.ttl)
        return row


def list_integrations(*, session: Session) -> list[Integration]:
    """Every integration, newest first."""
    return list(session.scalars(select(Integration).order_by(Integration.id.desc())))
