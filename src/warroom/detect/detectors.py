"""The detectors: pure functions from one version's observed traffic to findings.

Each finding names a seed 002 alert (HighErrorRate, ServiceDown, ModelNotLoaded,
HighLatency, HighPredictionErrorRate, DriftDetected, DriftCritical) and carries the metrics
the playbook classifies by (error_rate, availability, latency_increase_pct, accuracy_drop,
drift_score). A finding that stops holding resolves its alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from warroom.detect import burnrate, drift
from warroom.detect.stats import wilson_interval
from warroom.detect.windows import Stats
from warroom.playbook.schema import DetectionPolicy


@dataclass(frozen=True)
class Observation:
    """What the detectors see of one version at one instant."""

    fast: Stats  # the fast window (e.g. last 10 s)
    counts: dict[float, tuple[int, int]]  # window seconds -> (requests, errors)
    probabilities: np.ndarray  # the last N predicted probabilities
    threshold: float
    load_error: str | None = None


@dataclass(frozen=True)
class Baseline:
    latency_p95_ms: float | None
    accuracy: float | None
    profile: drift.Profile | None


@dataclass(frozen=True)
class Finding:
    name: str
    summary: str
    metrics: dict[str, float] = field(default_factory=dict)


def detect(obs: Observation, baseline: Baseline | None, policy: DetectionPolicy) -> list[Finding]:
    """Every alert that holds for this observation."""
    if obs.load_error:
        return [
            Finding(
                "ModelNotLoaded",
                f"model not loaded: {obs.load_error}",
                {"availability": 0.0, "error_rate": 1.0},
            )
        ]
    found = _errors(obs, policy)
    if baseline is not None:
        found += _latency(obs, baseline, policy) + _accuracy(obs, baseline, policy)
        found += _drift(obs, baseline, policy)
    return found


def _errors(obs: Observation, policy: DetectionPolicy) -> list[Finding]:
    s = obs.fast
    if s.count < policy.min_requests:
        return []
    low, _ = wilson_interval(s.errors, s.count)
    metrics = {
        "error_rate": s.error_rate,
        "availability": s.availability,
        "requests": float(s.count),
        "error_rate_lower_bound": low,
    }
    if low > policy.down_error_rate:
        return [Finding("ServiceDown", f"{s.error_rate:.0%} of {s.count} requests fail", metrics)]
    windows = [
        burnrate.BurnWindow(w.long.total_seconds(), w.short.total_seconds(), w.factor)
        for w in policy.burn_windows
    ]
    burns = burnrate.evaluate(windows, obs.counts, slo=policy.slo, min_requests=policy.min_requests)
    burning = [b for b in burns if b.firing]
    if low > policy.error_rate or burning:
        if burning:
            metrics["burn_rate"] = max(b.short_rate for b in burning)
        why = (
            f"burn rate {burning[0].long_rate:.1f}x over {burning[0].window.long_seconds:g}s"
            if burning and low <= policy.error_rate
            else f"error rate {s.error_rate:.1%} (99% lower bound {low:.1%})"
        )
        return [Finding("HighErrorRate", why, metrics)]
    return []


def _latency(obs: Observation, baseline: Baseline, policy: DetectionPolicy) -> list[Finding]:
    s = obs.fast
    if not baseline.latency_p95_ms or s.count - s.errors < policy.min_requests:
        return []
    increase = (s.latency_p95_ms - baseline.latency_p95_ms) / baseline.latency_p95_ms
    if increase <= policy.latency_increase:
        return []
    return [
        Finding(
            "HighLatency",
            f"p95 {s.latency_p95_ms:.1f} ms vs baseline {baseline.latency_p95_ms:.1f} ms",
            {"latency_increase_pct": increase, "latency_p95_ms": s.latency_p95_ms},
        )
    ]


def _accuracy(obs: Observation, baseline: Baseline, policy: DetectionPolicy) -> list[Finding]:
    s = obs.fast
    if baseline.accuracy is None or s.accuracy is None or s.labelled < policy.min_labels:
        return []
    dropped = baseline.accuracy - s.accuracy
    if dropped <= policy.accuracy_drop:
        return []
    return [
        Finding(
            "HighPredictionErrorRate",
            f"accuracy {s.accuracy:.1%} vs baseline {baseline.accuracy:.1%} "
            f"on {s.labelled} labelled requests",
            {"accuracy_drop": dropped, "accuracy": s.accuracy},
        )
    ]


def _drift(obs: Observation, baseline: Baseline, policy: DetectionPolicy) -> list[Finding]:
    p = policy.drift
    if baseline.profile is None or obs.probabilities.size < p.min_samples:
        return []
    current = drift.profile(obs.probabilities[-p.window :], threshold=obs.threshold)
    report = drift.compare(
        baseline.profile, current, drift.DriftThresholds(p.probability, p.confidence, p.ratio)
    )
    metrics = report.metrics()
    summary = (
        f"drift score {report.drift_score:.3f} ({', '.join(report.exceeded) or 'none'} "
        f"over threshold; PSI {report.psi:.2f})"
    )
    if report.drift_score > p.critical_score:
        return [Finding("DriftCritical", summary, metrics)]
    if report.drift_detected:
        return [Finding("DriftDetected", summary, metrics)]
    return []
