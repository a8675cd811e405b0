"""PromQL queries against the playbook's Prometheus (the AI photo detector playbook's runbook
queries)."""

from __future__ import annotations

import operator
from typing import Any

import httpx

from warroom.errors import DiagnosticError
from warroom.guide.diagnostics.base import Outcome, Target
from warroom.playbook.guide import PromqlStep, Threshold
from warroom.playbook.secrets import mask_url

OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def escape(value: str) -> str:
    """A value placed inside a PromQL string literal ("...") cannot end it."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def run(step: PromqlStep, target: Target) -> Outcome:
    base = step.prometheus_url or target.policy.prometheus_url
    if not base:
        raise DiagnosticError(
            "no Prometheus to ask: set runbooks.prometheus_url in the playbook "
            "(or prometheus_url on the step)"
        )
    query = target.render(step.query, escape)
    shown = mask_url(base)
    try:
        response = httpx.get(
            f"{base.rstrip('/')}/api/v1/query",
            params={"query": query, "timeout": f"{target.timeout:g}s"},
            timeout=target.timeout,
        )
    except httpx.TimeoutException:
        raise DiagnosticError(
            f"Prometheus {shown} did not answer within {target.timeout:g}s"
        ) from None
    except httpx.HTTPError as exc:
        raise DiagnosticError(f"cannot reach Prometheus {shown}: {exc}") from None
    try:
        answer = response.json()
    except ValueError:
        raise DiagnosticError(f"Prometheus {shown} answered HTTP {response.status_code}") from None
    if answer.get("status") != "success":
        raise DiagnosticError(f"Prometheus refused the query: {answer.get('error', answer)}")
    series = _series(answer.get("data") or {})
    lines = [f"{labels} {value:g}" for labels, value in series]
    output = f"{query}\n\n" + ("\n".join(lines) if lines else "(no series)")
    if not series:
        return Outcome("ok", "no series returned", output=output)
    breaching = [s for s in series if step.fail_if and _breaches(s[1], step.fail_if)]
    summary = f"{len(series)} series: " + ", ".join(lines[:3]) + (" ..." if len(lines) > 3 else "")
    if breaching and step.fail_if:
        summary = (
            f"{len(breaching)} of {len(series)} series {step.fail_if.op} "
            f"{step.fail_if.value:g}: " + ", ".join(f"{lb} {v:g}" for lb, v in breaching[:3])
        )
        return Outcome("failed", summary, output=output)
    return Outcome("ok", summary, output=output)


def _series(data: dict[str, Any]) -> list[tuple[str, float]]:
    """(labels, latest value) per series of an instant vector, matrix or scalar result."""
    kind, result = data.get("resultType"), data.get("result")
    if kind in ("scalar", "string"):
        return [("scalar", float(result[1]))] if result else []
    out = []
    for item in result or []:
        labels = ", ".join(f'{k}="{v}"' for k, v in sorted(item.get("metric", {}).items()))
        point = item.get("value") or (item.get("values") or [[0, "nan"]])[-1]
        out.append((f"{{{labels}}}", float(point[1])))
    return out


def _breaches(value: float, threshold: Threshold) -> bool:
    return bool(OPS[threshold.op](value, threshold.value))
