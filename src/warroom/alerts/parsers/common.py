"""Helpers shared by the wire-format parsers."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from warroom.alerts.models import AlertCreate
from warroom.errors import InvalidInput

Item = TypeVar("Item")

KNOWN_METRICS = frozenset(
    {
        "error_rate",
        "availability",
        "latency_increase_pct",
        "accuracy_drop",
        "affected_users_pct",
        "latency_p95_ms",
        "drift_score",
    }
)
METRIC_PREFIX = "metric_"


def parse_time(value: str | datetime | None) -> datetime | None:
    """ISO 8601 → aware UTC (naive means UTC); Go's zero time and empty → None."""
    if value is None or value == "":
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    # Go marshals an unset time.Time as 0001-01-01T00:00:00Z; converting it could underflow.
    if parsed.year <= 1:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def extract_metrics(*mappings: Mapping[str, Any] | None) -> dict[str, float]:
    """Finite values of known metric names or ``metric_<name>`` keys; later mappings win."""
    metrics: dict[str, float] = {}
    for mapping in mappings:
        for key, raw in (mapping or {}).items():
            name = metric_name(key)
            if name is None:
                continue
            value = _finite(raw)
            if value is not None:
                metrics[name] = value
    return metrics


def metric_name(key: str) -> str | None:
    """The metric a key names (``metric_`` prefix stripped), or None when it names none."""
    if key in KNOWN_METRICS:
        return key
    if key.startswith(METRIC_PREFIX) and len(key) > len(METRIC_PREFIX):
        return key[len(METRIC_PREFIX) :]
    return None


def _finite(raw: Any) -> float | None:
    # JSON true/false would otherwise pass float() as 1.0/0.0.
    if isinstance(raw, bool):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def service_from_labels(labels: Mapping[str, str]) -> str | None:
    """The service an alert is about: label ``service``, else ``app``, else ``job``."""
    for key in ("service", "app", "job"):
        if labels.get(key):
            return labels[key]
    return None


def label_fingerprint(
    source: str, name: str, service: str | None, labels: Mapping[str, str]
) -> str:
    """A stable fingerprint, independent of label order, for senders that do not give one."""
    body = json.dumps([source, name, service or "", sorted(labels.items())], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def as_strings(mapping: Mapping[str, Any] | None) -> dict[str, str]:
    """String values kept as they are, anything else as JSON text."""
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in (mapping or {}).items()}


def stored(items: Sequence[Item], one: Callable[[Item], AlertCreate]) -> list[AlertCreate]:
    """Each wire alert as an AlertCreate; one that cannot be stored as sent (a label that
    becomes a service name longer than the column) refuses the notification, naming it."""
    out = []
    for index, item in enumerate(items):
        try:
            out.append(one(item))
        except ValidationError as invalid:
            reasons = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in invalid.errors()
            )
            raise InvalidInput(f"alerts.{index}: {reasons}") from None
    return out
