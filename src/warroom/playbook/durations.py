"""Durations in playbooks: "30s", "5m", "1h30m", "1d", "500ms", or a number of seconds."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_EXPECTED = "expected a duration like 30s, 5m, 1h30m or 1d"
# timedelta cannot hold more than this; anything near it is a typo, not a policy.
_MAX_DAYS = timedelta.max.days - 1
_MAX_SECONDS = _MAX_DAYS * 86400


def parse_duration(text: str) -> timedelta:
    """Parse a compact duration; ValueError says what is expected."""
    compact = text.strip().replace(" ", "")
    if not compact or _PART.sub("", compact):
        raise ValueError(f"{_EXPECTED}, got {text!r}")
    seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(compact))
    return _from_seconds(seconds, shown=text)


def _from_seconds(seconds: float, *, shown: Any) -> timedelta:
    if seconds < 0:
        raise ValueError(f"expected a duration of 0s or more, got {shown!r}")
    if not seconds <= _MAX_SECONDS:  # also refuses NaN, which compares false
        raise ValueError(f"expected a duration shorter than {_MAX_DAYS}d, got {shown!r}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The compact form of a duration: 90 minutes → "1h30m"."""
    total_ms = round(value.total_seconds() * 1000)
    if total_ms == 0:
        return "0s"
    sign, total_ms = ("-", -total_ms) if total_ms < 0 else ("", total_ms)
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        count, total_ms = divmod(total_ms, size)
        if count:
            parts.append(f"{count}{unit}")
    if total_ms:
        parts.append(f"{total_ms}ms")
    return sign + "".join(parts)


def _coerce(value: Any) -> Any:
    if isinstance(value, timedelta):
        return _from_seconds(value.total_seconds(), shown=format_duration(value))
    # bool is an int subclass; `true` in YAML is a mistake, not one second.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_seconds(value, shown=value)
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"{_EXPECTED} or a number of seconds, got {value!r}")


Duration = Annotated[
    timedelta, BeforeValidator(_coerce), PlainSerializer(format_duration, return_type=str)
]
