"""Diagnostic kinds (one module each, see ``base``) and the runner that times, caps and masks
their output."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from warroom.errors import DiagnosticError
from warroom.guide.diagnostics import changes, http, promql, shell, sql
from warroom.guide.diagnostics.base import Outcome, Status, Target
from warroom.playbook.guide import Step
from warroom.playbook.secrets import hide, mask_url

KINDS: dict[str, Callable[[Any, Target], Outcome]] = {
    "http": http.run,
    "promql": promql.run,
    "sql": sql.run,
    "recent_changes": changes.run,
    "shell": shell.run,
}
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
SUMMARY_LIMIT = 500


@dataclass(frozen=True)
class Execution:
    """One step's outcome as stored: masked, capped, timed."""

    step: str
    kind: str
    status: Status
    summary: str
    output: str
    truncated: bool
    duration_seconds: float


def execute(step: Step, target: Target) -> Execution:
    """Run one step within its timeout; an exception becomes an ``error`` outcome."""
    started = time.monotonic()
    try:
        outcome = KINDS[step.kind](step, target)
    except DiagnosticError as exc:
        outcome = Outcome("error", str(exc))
    except Exception as exc:  # a bug in a kind must not lose the other steps' results
        outcome = Outcome("error", f"{type(exc).__name__}: {exc}")
    duration = time.monotonic() - started
    output, cut = cap(mask(outcome.output, target.secrets), target.max_output_bytes)
    dropped = cut + outcome.dropped_bytes
    summary = mask(outcome.summary, target.secrets).splitlines() or [""]
    return Execution(
        step=step.name,
        kind=step.kind,
        status=outcome.status,
        summary=summary[0][:SUMMARY_LIMIT],
        output=output + (f"\n[... {dropped} more bytes not kept]" if dropped else ""),
        truncated=dropped > 0,
        duration_seconds=round(duration, 6),
    )


def cap(text: str, limit: int) -> tuple[str, int]:
    """At most ``limit`` UTF-8 bytes of ``text`` (never half a character), and how many
    bytes were cut."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text, 0
    return raw[:limit].decode("utf-8", errors="ignore"), len(raw) - limit


def mask(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Credentials in URLs, and any configured secret, replaced by ****."""
    return hide(_URL.sub(lambda m: mask_url(m.group(0)), text), secrets)
