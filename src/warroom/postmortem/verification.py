"""A rollback's verification in words and a small table, for the postmortem: pure.

The rollback engine stores what it judged as a plain dict (how many requests, each
criterion with what was observed, and whatever else the verification recorded, such as the
baseline it compared with). A reader wants a sentence and a table, never that dict.
"""

from __future__ import annotations

from typing import Any

MAIN_KEYS = ("requests", "checks")


def fmt(value: Any) -> str:
    """A value for a reader: numbers to 4 significant digits, booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if value is None:
        return "—"
    return str(value)


def _checks(verification: dict[str, Any]) -> list[dict[str, Any]]:
    found = verification.get("checks")
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def sentence(verification: dict[str, Any], *, succeeded: bool) -> str:
    """One sentence: passed or not, on how many requests, which criteria failed."""
    checks = _checks(verification)
    requests = verification.get("requests")
    on = f" on {fmt(requests)} requests to the target version" if requests is not None else ""
    failed = [str(c.get("metric", "?")) for c in checks if c.get("ok") is False]
    verdict = "Verification passed" if succeeded else "Verification did not pass"
    if checks:
        met = len(checks) - len(failed)
        detail = f": {met} of {len(checks)} criteria met"
        detail += f" (not met: {', '.join(failed)})" if failed else ""
    else:
        detail = ""
    waiting = verification.get("waiting")
    tail = f"; {waiting}" if waiting and not succeeded else ""
    return f"{verdict}{on}{detail}{tail}."


def _flat(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [row for k, v in value.items() for row in _flat(f"{prefix}{k}.", v)]
    if isinstance(value, list):
        return [(prefix.rstrip("."), ", ".join(fmt(v) for v in value))]
    return [(prefix.rstrip("."), fmt(value))]


def table_rows(verification: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Criterion, wanted, observed, met: one row per check; then one per other recorded value
    (a baseline compared with, a p-value, ...), with its value as observed."""
    rows = [
        (
            str(c.get("metric", "?")),
            f"{c.get('op', '')} {fmt(c.get('value'))}".strip(),
            fmt(c.get("observed")),
            fmt(c.get("ok")),
        )
        for c in _checks(verification)
    ]
    extra = {k: v for k, v in verification.items() if k not in (*MAIN_KEYS, "waiting")}
    rows += [(name, "", value, "") for name, value in _flat("", extra)]
    return rows
