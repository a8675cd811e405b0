"""Room names: the playbook's pattern filled in, in the form Slack accepts (lower-case
letters, digits, hyphens and underscores; at most 80 characters)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

LIMIT = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")


def slug(text: str) -> str:
    """``"Fraud model: error rate > 50%"`` → ``"fraud-model-error-rate-50"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_ALLOWED.sub("-", ascii_text.lower()).strip("-_")


def room_name(pattern: str, *, incident_id: str, title: str, detected_at: datetime) -> str:
    """The room name for an incident (``incident-2026-11-23-1200-fraud-model-...``)."""
    filled = pattern.format(
        date=detected_at.strftime("%Y-%m-%d"),
        time=detected_at.strftime("%H%M"),
        slug=slug(title),
        id=incident_id,
    )
    name = _NOT_ALLOWED.sub("-", filled.lower())
    name = re.sub(r"-{2,}", "-", name).strip("-_")
    return name[:LIMIT].rstrip("-_") or slug(incident_id)


def with_suffix(name: str, attempt: int) -> str:
    """The ``attempt``-th alternative to a taken name: ``name-2``, ``name-3``, ... kept
    within the limit by shortening the name, never the suffix."""
    if attempt < 2:
        return name
    suffix = f"-{attempt}"
    return name[: LIMIT - len(suffix)].rstrip("-_") + suffix
