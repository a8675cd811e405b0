"""Rollback verification: is the target healthy after the switch, judged fairly.

Its error rate is compared with its own recent baseline by a one-sided test with a minimum
sample, as the detectors judge (a healthy version's 1 % background errors pass); the result
says what was compared, with the figures.

Sources: ``gateway`` (per-version samples the embedded gateway writes every second) or
``prometheus`` (PromQL through a Prometheus server's HTTP API).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from warroom.detect.stats import drop_interval, wilson_interval, z_of
from warroom.env.port import Env
from warroom.errors import WarroomError
from warroom.samples import service as samples

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Observation:
    requests: float
    values: dict[str, float]
    errors: float | None = None


@dataclass(frozen=True)
class Outcome:
    passed: bool
    enough: bool
    results: dict[str, Any]


@dataclass(frozen=True)
class Rules:
    """The playbook's verification settings, as plain values."""

    criteria: list[dict[str, Any]]
    min_requests: int
    alpha: float = 0.001
    tolerance: float = 0.02


ERROR_METRICS = ("error_rate", "availability")
#: A target's p95 above the criterion still passes within this factor of its own baseline.
LATENCY_SLACK = 1.5


def judge(obs: Observation, rules: Rules, baseline: Observation | None = None) -> Outcome:
    """Pure: is the target healthy after the switch, with enough requests to tell?

    The error rate is judged by a one-sided test, never a bare point estimate: against the
    target's own ``baseline`` when it has at least ``min_requests`` (fails only when the rise
    is significant at ``alpha`` and larger than ``tolerance``), else against the criteria's
    error-rate and availability limits (fails only when significantly past them). Other
    criteria (latency) compare the observed value with their limit."""
    enough = obs.requests >= rules.min_requests
    checks: list[dict[str, Any]] = []
    errors = _error_check(obs, rules, baseline)
    if errors is not None:
        checks.append(errors)
    for c in rules.criteria:
        if c["metric"] in ERROR_METRICS and errors is not None:
            continue
        checks.append(_criterion_check(c, obs, baseline))
    passed = enough and all(c["ok"] for c in checks)
    results: dict[str, Any] = {
        "requests": obs.requests,
        "min_requests": rules.min_requests,
        "checks": checks,
        "compared": errors["compared"] if errors else "criteria only",
    }
    return Outcome(passed=passed, enough=enough, results=results)


def _criterion_check(
    c: dict[str, Any], obs: Observation, baseline: Observation | None
) -> dict[str, Any]:
    """One criterion; a target as slow as it was before the switch is at its own normal."""
    value = obs.values.get(c["metric"])
    if value is None:
        return {**c, "observed": None, "ok": c["metric"] not in ERROR_METRICS}
    ok = OPS[c["op"]](value, c["value"])
    before = baseline.values.get(c["metric"]) if baseline is not None else None
    if not ok and before is not None and c["metric"] == "latency_p95_ms":
        ok = value <= LATENCY_SLACK * before
        return {**c, "observed": value, "baseline": before, "ok": ok}
    return {**c, "observed": value, "ok": ok}


def _error_check(
    obs: Observation, rules: Rules, baseline: Observation | None
) -> dict[str, Any] | None:
    errors = _errors_of(obs)
    if errors is None:
        return None
    n, e = int(obs.requests), int(round(errors))
    rate = e / n if n else 0.0
    base_errors = _errors_of(baseline) if baseline is not None else None
    if baseline is not None and base_errors is not None and baseline.requests >= rules.min_requests:
        bn, be = int(baseline.requests), int(round(base_errors))
        low, _ = drop_interval(e, n, be, bn, alpha=rules.alpha)  # (after - before) rate
        ok = low <= rules.tolerance
        return {
            "metric": "error_rate",
            "compared": f"error rate {rate:.2%} of {n} requests after the switch vs its own "
            f"baseline {be / bn:.2%} of {bn} requests before",
            "observed": rate,
            "baseline": be / bn,
            "baseline_requests": bn,
            "increase_lower_bound": low,
            "tolerance": rules.tolerance,
            "alpha": rules.alpha,
            "ok": ok,
        }
    limit = _error_limit(rules.criteria)
    if limit is None:
        return None
    low, _ = wilson_interval(e, n, z_of(rules.alpha))
    return {
        "metric": "error_rate",
        "compared": f"error rate {rate:.2%} of {n} requests after the switch vs the limit "
        f"{limit:.2%} (no baseline: the target served too little before)",
        "observed": rate,
        "limit": limit,
        "lower_bound": low,
        "alpha": rules.alpha,
        "ok": low <= limit,
    }


def _errors_of(obs: Observation) -> float | None:
    if obs.errors is not None:
        return obs.errors
    if "error_rate" in obs.values:
        return obs.values["error_rate"] * obs.requests
    if "availability" in obs.values:
        return (1 - obs.values["availability"]) * obs.requests
    return None


def _error_limit(criteria: list[dict[str, Any]]) -> float | None:
    """The error rate the criteria allow (availability > 0.99 allows 1 %). Both say the same
    thing; the more lenient governs, or a healthy version's normal 1 % would sit on the line
    and fail by chance as often as not."""
    limits = [
        c["value"] if c["metric"] == "error_rate" else 1 - c["value"]
        for c in criteria
        if c["metric"] in ERROR_METRICS and c["op"] in ("<", "<=", ">", ">=")
    ]
    return max(limits) if limits else None


def from_gateway(
    env: Env, *, service: str, version: str, since: datetime, until: datetime
) -> Observation:
    """Aggregate the gateway's per-second samples of one version."""
    names = ["requests", "errors", "latency_p95_ms"]
    with env.db.read() as session:
        data = samples.series(
            session=session,
            service=service,
            start=since,
            end=until,
            names=names,
            version=version,
            source="gateway",
        )
    counts = [v for _, v in data.get("requests", [])]
    requests = sum(counts)
    errors = sum(v for _, v in data.get("errors", []))
    values: dict[str, float] = {}
    if requests:
        values["error_rate"] = errors / requests
        values["availability"] = 1 - errors / requests
    p95s = [v for _, v in data.get("latency_p95_ms", [])]
    if p95s and len(p95s) == len(counts) and requests:
        # Each snapshot's p95 weighted by its requests: one slow second does not decide.
        values["latency_p95_ms"] = sum(p * c for p, c in zip(p95s, counts, strict=True)) / requests
    elif p95s:
        values["latency_p95_ms"] = max(p95s)
    return Observation(requests=requests, values=values, errors=errors)


def baseline_from_gateway(
    env: Env, *, service: str, version: str, before: datetime, span: timedelta
) -> Observation:
    """The version's own requests, errors and p95 over ``span`` before the switch."""
    return from_gateway(env, service=service, version=version, since=before - span, until=before)


def from_prometheus(
    url: str, queries: dict[str, str], *, service: str, version: str
) -> Observation:
    """Evaluate each metric's PromQL (``$service`` and ``$version`` substituted)."""
    values: dict[str, float] = {}
    with httpx.Client(base_url=url.rstrip("/"), timeout=10) as client:
        for metric, template in queries.items():
            query = template.replace("$service", service).replace("$version", version)
            try:
                body = client.get("/api/v1/query", params={"query": query}).json()
            except (httpx.HTTPError, ValueError) as exc:
                raise WarroomError(f"prometheus query for {metric} failed: {exc}") from exc
            result = body.get("data", {}).get("result", [])
            if body.get("status") == "success" and result:
                values[metric] = float(result[0]["value"][1])
    requests = values.pop("requests", 0.0)
    return Observation(requests=requests, values=values)
