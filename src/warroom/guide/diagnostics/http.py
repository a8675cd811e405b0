"""HTTP checks: status, latency and body (the malaria prediction backend runbook's liveness and
readiness probes)."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import httpx

from warroom.errors import DiagnosticError
from warroom.guide.diagnostics.base import Outcome, Target
from warroom.playbook.guide import HttpStep
from warroom.playbook.secrets import mask_url

#: The body is matched against at most this much; a health endpoint answers far less.
BODY_LIMIT = 1024 * 1024


def run(step: HttpStep, target: Target) -> Outcome:
    url = target.render(step.url, lambda v: quote(v, safe=""))
    shown = mask_url(url)
    started = time.monotonic()
    deadline = started + target.timeout
    try:
        with (
            httpx.Client(timeout=target.timeout, follow_redirects=False) as client,
            client.stream(step.method, url) as response,
        ):
            body, dropped = _read(response, deadline, shown, target.timeout)
    except httpx.TimeoutException:
        raise DiagnosticError(f"no answer from {shown} within {target.timeout:g}s") from None
    except httpx.HTTPError as exc:
        raise DiagnosticError(f"cannot reach {shown}: {exc}") from None
    elapsed = time.monotonic() - started
    text = body.decode("utf-8", errors="replace")
    problems = _problems(step, response.status_code, elapsed, text)
    summary = f"HTTP {response.status_code} in {elapsed * 1000:.0f} ms"
    output = f"{step.method} {shown}\nHTTP {response.status_code}\n\n{text}"
    return Outcome(
        "failed" if problems else "ok",
        "; ".join([summary, *problems]),
        output=output,
        dropped_bytes=dropped,
    )


def _read(
    response: httpx.Response, deadline: float, shown: str, timeout: float
) -> tuple[bytes, int]:
    """The body up to BODY_LIMIT, giving up at the deadline (a server that trickles bytes)."""
    kept = bytearray()
    dropped = 0
    for chunk in response.iter_bytes():
        if time.monotonic() > deadline:
            raise DiagnosticError(f"{shown} did not finish its answer within {timeout:g}s")
        room = BODY_LIMIT - len(kept)
        kept += chunk[:room]
        dropped += max(len(chunk) - room, 0)
    return bytes(kept), dropped


def _problems(step: HttpStep, status: int, elapsed: float, text: str) -> list[str]:
    problems = []
    if status not in step.expect_status:
        expected = ", ".join(str(s) for s in step.expect_status)
        problems.append(f"expected status {expected}")
    if step.max_latency is not None and elapsed > step.max_latency.total_seconds():
        problems.append(f"slower than {step.max_latency.total_seconds() * 1000:.0f} ms")
    if step.body_contains is not None and step.body_contains not in text:
        problems.append(f"body does not contain {step.body_contains!r}")
    if step.body_regex is not None and not re.search(step.body_regex, text):
        problems.append(f"body does not match /{step.body_regex}/")
    return problems
