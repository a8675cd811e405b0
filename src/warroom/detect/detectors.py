"""The detectors: pure functions from one version's observed traffic to findings.

Each finding names an alert (HighErrorRate, ServiceDown, ModelNotLoaded, HighLatency,
HighPredictionErrorRate, DriftDetected, DriftCritical) and carries the metrics the playbook
classifies by (error_rate, availability, latency_increase_pct, accuracy_drop, drift_score),
with the confidence bound automatic rollback judges by (``*_lower_bound``). A finding that
stops holding resolves its alert.

No comparison is a bare point estimate against a fixed gap: each needs a minimum effect
*and* a one-sided test at the playbook's ``alpha`` on enough samples, so that a healthy
version's noise does not page (false-alarm rates measured in tests/unit/).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from warroom.detect import burnrate, drift, inputs
from warroom.detect.labels import ErrorStats, LabelStats
from warroom.detect.stats import drop_interval, exceeds, increase_bound, wilson_interval, z_of
from warroom.detect.windows import Stats
from warroom.playbook.schema import DetectionPolicy

# The confidence bounds a finding reports (for automatic rollback and for people): 99 %,
# two-sided. Whether a finding fires at all is tested at the playbook's stricter ``alpha``,
# as detectors look every second.
BOUND_ALPHA = 0.005
BOUND_Z = 2.576


@dataclass(frozen=True)
class Observation:
    """What the detectors see of one version at one instant."""

    fast: Stats  # the fast window (e.g. last 10 s; the last requests of 5 min when quiet)
    counts: dict[float, tuple[int, int]]  # window seconds -> (requests, errors)
    probabilities: np.ndarray  # the last N predicted probabilities
    threshold: float
    load_error: str | None = None
    # Latencies (ms) of successful requests over the fast and the confirmation window.
    latencies: tuple[np.ndarray, ...] = ()
    labels: LabelStats | None = None  # the last N labels to arrive
    recent_labels: LabelStats | None = None  # the last few labels (a sharp drop shows sooner)
    confirm: Stats | None = None  # the confirmation window (e.g. last 60 s)
    inputs: np.ndarray | None = None  # the last N inputs (rows × features)
    # The last 100, 250, 500 requests (of up to 5 min): the evidence the reported error
    # bound rests on grows with the fault, however slowly requests come.
    recent: tuple[Stats, ...] = ()
    errors: ErrorStats | None = None  # a regression model's, over the last N true values


@dataclass(frozen=True)
class Baseline:
    latency_p95_ms: float | None
    accuracy: float | None
    profile: drift.Profile | None
    labelled: int = 0
    inputs: np.ndarray | None = None  # a sample of the baseline's inputs
    errors: ErrorStats | None = None  # a regression model's MAE and RMSE


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
        found += _regression(obs, baseline, policy)
        found += _drift(obs, baseline, policy)
    return found


def _errors(obs: Observation, policy: DetectionPolicy) -> list[Finding]:
    s = obs.fast
    if s.count < policy.min_requests:
        return []
    z = z_of(policy.alpha)
    low, _ = wilson_interval(s.errors, s.count, z)
    bound = max(wilson_interval(w.errors, w.count, BOUND_Z)[0] for w in (s, *obs.recent))
    metrics = {
        "error_rate": s.error_rate,
        "availability": s.availability,
        "requests": float(s.count),
        "error_rate_lower_bound": bound,
        "availability_upper_bound": 1 - bound,
    }
    if low > policy.down_error_rate:
        return [Finding("ServiceDown", f"{s.error_rate:.0%} of {s.count} requests fail", metrics)]
    windows = [
        burnrate.BurnWindow(w.long.total_seconds(), w.short.total_seconds(), w.factor)
        for w in policy.burn_windows
    ]
    burns = burnrate.evaluate(
        windows, obs.counts, slo=policy.slo, min_requests=policy.min_requests, z=z
    )
    burning = [b for b in burns if b.firing]
    # More requests, more power: a moderate error rate (a creep to 12 %) that the fast
    # window cannot tell from noise shows over the confirmation window at the same alpha.
    c = obs.confirm
    wide = wilson_interval(c.errors, c.count, z)[0] if c and c.count > s.count else 0.0
    low = max(low, wide)
    if low > policy.error_rate or burning:
        if burning:
            metrics["burn_rate"] = max(b.short_rate for b in burning)
        why = (
            f"burn rate {burning[0].long_rate:.1f}x over {burning[0].window.long_seconds:g}s"
            if burning and low <= policy.error_rate
            else f"error rate {s.error_rate:.1%} (99% lower bound {bound:.1%})"
        )
        return [Finding("HighErrorRate", why, metrics)]
    return []


def _latency(obs: Observation, baseline: Baseline, policy: DetectionPolicy) -> list[Finding]:
    """p95 above the baseline's by both the relative and the absolute margin, significantly
    (more than 5 % of requests slower than that line, binomial test), over the fast window
    and the longer confirmation window alike."""
    base = baseline.latency_p95_ms
    if not base or not obs.latencies:
        return []
    limit = base + max(policy.latency_increase * base, policy.latency_min_increase_ms)
    for values in obs.latencies:
        if values.size < policy.min_requests:
            return []
        if not exceeds(values, limit, share=0.05, alpha=policy.alpha):
            return []
    p95 = float(np.percentile(obs.latencies[0], 95))
    increase = (p95 - base) / base
    return [
        Finding(
            "HighLatency",
            f"p95 {p95:.1f} ms vs baseline {base:.1f} ms (line {limit:.1f} ms)",
            {"latency_increase_pct": increase, "latency_p95_ms": p95},
        )
    ]


def _accuracy(obs: Observation, baseline: Baseline, policy: DetectionPolicy) -> list[Finding]:
    """Accuracy over the last labels to arrive (however late; the last ``accuracy_window``,
    and the last ``accuracy_recent``, each judged once it holds ``min_labels``) below the
    baseline's by more than ``accuracy_drop``, and significantly (Newcombe interval of the
    drop above 0). Multiclass answers count as right or wrong alike; per-class recall is
    reported."""
    if baseline.accuracy is None or baseline.labelled < policy.baseline_labels:
        return []
    for labels in (obs.labels, obs.recent_labels):
        if labels is not None and labels.labels >= policy.min_labels:
            found = _accuracy_drop(labels, baseline, policy)
            if found:
                return found
    return []


def _accuracy_drop(
    labels: LabelStats, baseline: Baseline, policy: DetectionPolicy
) -> list[Finding]:
    assert baseline.accuracy is not None
    base_hits = round(baseline.accuracy * baseline.labelled)
    low, _ = drop_interval(
        base_hits, baseline.labelled, labels.correct, labels.labels, alpha=policy.alpha
    )
    accuracy = labels.correct / labels.labels
    dropped = baseline.accuracy - accuracy
    if dropped <= policy.accuracy_drop or low <= 0:
        return []
    bound, _ = drop_interval(
        base_hits, baseline.labelled, labels.correct, labels.labels, alpha=BOUND_ALPHA
    )
    metrics = {
        "accuracy_drop": dropped,
        "accuracy_drop_lower_bound": bound,
        "accuracy": accuracy,
        "labels": float(labels.labels),
    }
    recalls = {cls: hits / n for cls, (n, hits) in labels.per_class.items() if n}
    for cls, recall in recalls.items():
        metrics[f"recall_class_{cls}"] = recall
    worst = min(recalls, key=lambda c: recalls[c]) if len(recalls) > 1 else None
    weakest = f"; class {worst} recall {recalls[worst]:.0%}" if worst is not None else ""
    return [
        Finding(
            "HighPredictionErrorRate",
            f"accuracy {accuracy:.1%} vs baseline {baseline.accuracy:.1%} "
            f"on the last {labels.labels} labels (drop at least {low:.1%}){weakest}",
            metrics,
        )
    ]


def _regression(obs: Observation, baseline: Baseline, policy: DetectionPolicy) -> list[Finding]:
    """A regression model's mean absolute error over the last true values to arrive above
    the baseline's by more than ``error_increase`` (relative), and significantly (the lower
    bound of the increase, a one-sided Welch z at ``alpha``, above 0)."""
    base, now = baseline.errors, obs.errors
    if base is None or now is None or base.labels < policy.baseline_labels:
        return []
    if now.labels < policy.min_labels or base.mae <= 0:
        return []
    low = increase_bound(base, now, alpha=policy.alpha)
    increase = (now.mae - base.mae) / base.mae
    if increase <= policy.error_increase or low <= 0:
        return []
    metrics = {
        "mae": now.mae,
        "rmse": now.rmse,
        "mae_increase_pct": increase,
        "mae_increase_lower_bound": increase_bound(base, now, alpha=BOUND_ALPHA) / base.mae,
        "labels": float(now.labels),
    }
    return [
        Finding(
            "HighPredictionErrorRate",
            f"MAE {now.mae:.4g} vs baseline {base.mae:.4g} (+{increase:.0%}; RMSE "
            f"{now.rmse:.4g}) on the last {now.labels} true values",
            metrics,
        )
    ]


def _drift(obs: Observation, baseline: Baseline, policy: DetectionPolicy) -> list[Finding]:
    """Output drift (the answers) or input drift (the share of features that drifted): any
    one strong indicator on enough samples."""
    p = policy.drift
    metrics: dict[str, float] = {}
    parts: list[str] = []
    detected = critical = False
    if baseline.profile is not None and obs.probabilities.size >= p.min_samples:
        current = drift.profile(obs.probabilities[-p.window :], threshold=obs.threshold)
        report = drift.compare(
            baseline.profile,
            current,
            drift.DriftThresholds(p.probability, p.confidence, p.ratio, p.psi, p.ks_pvalue),
        )
        metrics |= report.metrics()
        detected, critical = report.drift_detected, report.drift_score > p.critical_score
        parts.append(
            f"drift score {report.drift_score:.3f} ({', '.join(report.exceeded) or 'none'} "
            f"over threshold; PSI {report.psi:.2f})"
        )
    found = _input_drift(obs, baseline, policy)
    if found is not None:
        metrics |= found.metrics()
        if found.share >= p.feature_share:
            detected = True
            parts.append(found.describe())
    summary = "; ".join(parts)
    if critical:
        return [Finding("DriftCritical", summary, metrics)]
    if detected:
        return [Finding("DriftDetected", summary, metrics)]
    return []


def _input_drift(
    obs: Observation, baseline: Baseline, policy: DetectionPolicy
) -> inputs.InputDrift | None:
    p = policy.drift
    if baseline.inputs is None or obs.inputs is None or obs.inputs.shape[0] < p.min_samples:
        return None
    if baseline.inputs.shape[0] < p.min_samples:
        return None
    return inputs.compare(baseline.inputs, obs.inputs, alpha=policy.alpha, psi=p.feature_psi)
