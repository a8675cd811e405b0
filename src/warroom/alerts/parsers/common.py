"""Helpers shared by the wire-format parsers."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

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


def parse_time(value: str | datetime | None) -> datetime | None:
    """ISO 8601 → aware UTC; Go's zero time (``0001-01-01T00:00:00Z``) and empty → None."""
    if value is None or value == "":
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if parsed.year <= 1:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def extract_metrics(*mappings: Mapping[str, Any] | None) -> dict[str, float]:
    """Numeric values of known metric names or ``metric_<name>`` keys; later mappings win."""
    metrics: dict[str, float] = {}
    for mapping in mappings:
        for key, raw in (mapping or {}).items():
            name = key.removeprefix("metric_") if key.startswith("metric_") else key
            if name not in KNOWN_METRICS and not key.startswith("metric_"):
                continue
            try:
                value = float(raw)
            except (TypeError, ValueError):
                continue
            if math.isfinite(value):
                metrics[name] = value
    return metrics


def service_from_labels(labels: Mapping[str, str]) -> str | None:
    for key in ("service", "app", "job"):
        if labels.get(key):
            return labels[key]
    return None


def label_fingerprint(
    source: str, name: str, service: str | None, labels: Mapping[str, str]
) -> str:
    """A stable fingerprint for senders that do not give one."""
    body = json.dumps([source, name, service or "", sorted(labels.items())], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def as_strings(mapping: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in (mapping or {}).items()}
