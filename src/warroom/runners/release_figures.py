"""The figures a release runner works with: a version's traffic from the rollback
verification's source (kubernetes, mlflow, command services), the candidate's share in each
state, a judgement stamped with its stage, and the analysis as an alert's metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.intake.batch import IntakeEnv
from warroom.releases import analysis, machine
from warroom.releases.models import Release
from warroom.rollback import verify
from warroom.samples import service as samples


def observe(
    env: IntakeEnv, service: str, version: str, since: datetime, until: datetime
) -> verify.Observation:
    """A version's error rate and latency from the rollback verification's source."""
    policy = env.playbook.rollback.verification
    if policy.source == "prometheus" and policy.prometheus_url:
        return verify.from_prometheus(
            policy.prometheus_url, policy.queries, service=service, version=version
        )
    with env.db.read() as session:
        data = samples.series(
            session=session,
            service=service,
            start=since,
            end=until,
            names=["requests", "errors", "latency_p95_ms"],
            version=version,
            source="gateway",
        )
    return typical(data)


def typical(data: dict[str, list[tuple[datetime, float]]]) -> verify.Observation:
    """Totals of the per-second samples, and their p95 weighted by requests at its median:
    one slow second (a garbage collection) must not decide a release, as a maximum would."""
    requests = [v for _, v in data.get("requests", [])]
    total = sum(requests)
    values: dict[str, float] = {}
    if total:
        values["error_rate"] = sum(v for _, v in data.get("errors", [])) / total
        values["availability"] = 1 - values["error_rate"]
    p95 = [v for _, v in data.get("latency_p95_ms", [])]
    if p95 and len(p95) == len(requests):
        order = sorted(range(len(p95)), key=p95.__getitem__)
        seen = 0.0
        for i in order:
            seen += requests[i]
            if seen >= total / 2:
                values["latency_p95_ms"] = p95[i]
                break
    return verify.Observation(requests=total, values=values)


def candidate_share(row: Release) -> float:
    if row.state == "canary":
        return machine.weight_at(tuple(row.steps), row.step)
    if row.state == "awaiting_approval" and row.step > 0:
        return machine.weight_at(tuple(row.steps), row.step - 1)
    return 0.0


def stamp(row: Release, judged: analysis.Judgement, now: datetime) -> dict[str, Any]:
    return {
        **judged.as_dict(),
        "stage": row.state,
        "step": row.step,
        "weight": candidate_share(row),
        "at": now.isoformat(),
    }


def alert_metrics(judged: analysis.Judgement) -> dict[str, float]:
    """The analysis as an alert's metrics, with the names the playbook classifies by."""
    out = judged.metrics()
    names = {
        "errors_candidate_error_rate": "error_rate",
        "accuracy_drop": "accuracy_drop",
        "regression_error_mae_increase_pct": "mae_increase_pct",
        "drift_drift_score": "drift_score",
    }
    for source, name in names.items():
        if source in out:
            out[name] = out[source]
    if "error_rate" in out:
        out["availability"] = 1 - out["error_rate"]
    cand, stable = out.get("latency_candidate_p95_ms"), out.get("latency_stable_p95_ms")
    if cand is not None and stable:
        out["latency_increase_pct"] = (cand - stable) / stable
    return out
