"""Masking of secrets before anything leaves warroom (files, API answers, timeline, logs)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SECRET_KEYS = re.compile(r"(token|secret|password|passwd|api[_-]?key|credential|auth)", re.I)
MASK = "****"


def mask_url(url: str) -> str:
    """Hide the password of ``scheme://user:password@host`` and secret query values."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        creds, host = netloc.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}" if ":" in creds else f"{MASK}@{host}"
    query = "&".join(
        f"{k}={MASK}" if SECRET_KEYS.search(k) or k == "key" else f"{k}={v}"
        for k, _, v in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with secret-looking keys and URL credentials masked."""
    if isinstance(value, dict):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, key) for v in value]
    if isinstance(value, str):
        if SECRET_KEYS.search(key):
            return MASK
        if "://" in value:
            return mask_url(value)
    return value


def hide(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every literal secret replaced by the mask (longest first, so a secret
    that contains another is hidden whole)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
