"""Rollback verification: criteria over a window of the target version's metrics.

Sources: ``gateway`` (per-version samples the embedded gateway writes every second) or
``prometheus`` (PromQL through a Prometheus server's HTTP API).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

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


@dataclass(frozen=True)
class Outcome:
    passed: bool
    enough: bool
    results: dict[str, Any]


def judge(obs: Observation, criteria: list[dict[str, Any]], *, min_requests: int) -> Outcome:
    """Pure: do the observed values meet every criterion, with enough requests to tell?"""
    results: dict[str, Any] = {"requests": obs.requests, "checks": []}
    passed = True
    for c in criteria:
        value = obs.values.get(c["metric"])
        ok = value is not None and OPS[c["op"]](value, c["value"])
        passed &= ok
        results["checks"].append({**c, "observed": value, "ok": ok})
    enough = obs.requests >= min_requests
    return Outcome(passed=passed and enough, enough=enough, results=results)


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
    requests = sum(v for _, v in data.get("requests", []))
    errors = sum(v for _, v in data.get("errors", []))
    values: dict[str, float] = {}
    if requests:
        values["error_rate"] = errors / requests
        values["availability"] = 1 - errors / requests
    if data.get("latency_p95_ms"):
        values["latency_p95_ms"] = max(v for _, v in data["latency_p95_ms"])
    return Observation(requests=requests, values=values)


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
