"""Release judgements: the candidate against the serving version, pure, over plain values.

The statistics are the detectors' (``warroom.detect``): errors by a two-proportion interval
(Newcombe) with a minimum sample, latency by the relative *and* absolute line with a binomial
test, accuracy from labels joined by request id (Newcombe again), a regression model's mean
absolute error from true values joined by request id (Welch, as the regression detector),
output drift by the drift report. Each check is ``pass``, ``fail`` or ``inconclusive`` (not
enough samples yet), or ``skipped`` (no data of that kind, e.g. no labels arrive for this
model); the judgement is ``fail`` when any check fails, else ``inconclusive`` when any is,
else ``pass``.

A check may *fail* on the detectors' minimum sample (``fail_requests``): with a strict
``alpha``, a candidate that errors on a third of 20 requests is stopped before it serves
100. It may *pass* only on the release's larger ``min_requests``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from warroom.detect import drift
from warroom.detect.labels import ErrorStats
from warroom.detect.stats import drop_interval, exceeds, increase_bound, wilson_interval, z_of


@dataclass(frozen=True)
class Criteria:
    min_requests: int = 100
    fail_requests: int = 20
    alpha: float = 1e-6
    max_error_increase: float = 0.01
    latency_increase: float = 0.5
    latency_min_increase_ms: float = 25.0
    accuracy_drop: float = 0.05
    #: Regression: the candidate's MAE may exceed the stable one's by this share.
    error_increase: float = 0.2
    min_labels: int = 100
    drift: drift.DriftThresholds = drift.DriftThresholds()
    drift_min_samples: int = 200
    max_disagreement: float = 0.05
    max_probability_distance: float = 0.10
    #: Accuracy passes only once the drop's upper bound at this level is within
    #: ``accuracy_drop``: too few labels to tell is inconclusive, never a pass.
    pass_alpha: float = 0.05


@dataclass(frozen=True)
class Sample:
    """One version's traffic over the stage: counts, latencies of successful requests,
    predicted probabilities of the positive class, labelled outcomes."""

    requests: int
    errors: int
    latencies: np.ndarray
    probabilities: np.ndarray
    labels: int = 0
    correct: int = 0
    threshold: float = 0.5
    #: A regression model's errors (answer - true value) on the stage's requests whose true
    #: value arrived, joined by request id.
    value_errors: np.ndarray = field(default_factory=lambda: np.empty(0))


@dataclass(frozen=True)
class Paired:
    """Shadow traffic: the same mirrored requests answered by both versions."""

    requests: int
    served_errors: int
    candidate_errors: int
    served_latencies: np.ndarray
    candidate_latencies: np.ndarray
    served_predicted: np.ndarray  # decisions where both answered
    candidate_predicted: np.ndarray
    served_probabilities: np.ndarray
    candidate_probabilities: np.ndarray


@dataclass(frozen=True)
class Check:
    name: str
    verdict: str  # pass | fail | inconclusive | skipped
    summary: str
    figures: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Judgement:
    verdict: str
    checks: tuple[Check, ...]

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.verdict == "fail"]

    def summary(self) -> str:
        failed = self.failed
        if failed:
            return "; ".join(c.summary for c in failed)
        return ", ".join(f"{c.name} {c.verdict}" for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "summary": self.summary(),
            "checks": [
                {
                    "name": c.name,
                    "verdict": c.verdict,
                    "summary": c.summary,
                    "figures": {k: _finite(v) for k, v in c.figures.items()},
                }
                for c in self.checks
            ],
        }

    def metrics(self) -> dict[str, float]:
        """The figures as one flat dict of floats (an alert's metrics)."""
        out: dict[str, float] = {}
        for c in self.checks:
            for k, v in c.figures.items():
                if v is not None and math.isfinite(v):
                    out[f"{c.name}_{k}"] = float(v)
        return out


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 6)


def combine(checks: list[Check]) -> Judgement:
    verdicts = {c.verdict for c in checks}
    verdict = (
        "fail" if "fail" in verdicts else "inconclusive" if "inconclusive" in verdicts else "pass"
    )
    return Judgement(verdict, tuple(checks))


def canary(candidate: Sample, stable: Sample, c: Criteria) -> Judgement:
    """The candidate's step traffic against the stable version's."""
    return combine(
        [
            errors(candidate.errors, candidate.requests, stable.errors, stable.requests, c),
            latency(candidate.latencies, stable.latencies, c),
            accuracy(candidate, stable, c),
            regression_error(candidate.value_errors, stable.value_errors, c),
            output_drift(candidate.probabilities, stable.probabilities, candidate.threshold, c),
        ]
    )


def shadow(p: Paired, c: Criteria) -> Judgement:
    """The candidate's answers to mirrored requests against the serving version's."""
    return combine(
        [
            errors(p.candidate_errors, p.requests, p.served_errors, p.requests, c),
            latency(p.candidate_latencies, p.served_latencies, c),
            agreement(p, c),
            output_drift(p.candidate_probabilities, p.served_probabilities, 0.5, c),
        ]
    )


def errors(cand_errors: int, cand_n: int, base_errors: int, base_n: int, c: Criteria) -> Check:
    """Fail when the candidate's error rate exceeds the stable's by more than the margin,
    judged on the lower bound of the difference (two proportions, Newcombe)."""
    figures: dict[str, float | None] = {
        "candidate_requests": float(cand_n),
        "stable_requests": float(base_n),
        "candidate_error_rate": cand_errors / cand_n if cand_n else None,
        "stable_error_rate": base_errors / base_n if base_n else None,
    }
    if min(cand_n, base_n) < c.fail_requests:
        return Check("errors", "inconclusive", f"{cand_n} candidate requests so far", figures)
    low, high = drop_interval(cand_errors, cand_n, base_errors, base_n, alpha=c.alpha)
    figures["increase_lower_bound"] = low
    figures["increase_upper_bound"] = high
    rate = cand_errors / cand_n
    if low > c.max_error_increase:
        return Check(
            "errors",
            "fail",
            f"error rate {rate:.1%} vs stable {base_errors / base_n:.1%} "
            f"(increase at least {low:.1%})",
            figures,
        )
    if min(cand_n, base_n) < c.min_requests:
        return Check("errors", "inconclusive", f"{cand_n} of {c.min_requests} requests", figures)
    return Check("errors", "pass", f"error rate {rate:.1%} on {cand_n} requests", figures)


def latency(cand: np.ndarray, base: np.ndarray, c: Criteria) -> Check:
    """Fail when significantly more than 5 % of the candidate's requests are slower than the
    stable p95 plus the relative and the absolute margin."""
    figures: dict[str, float | None] = {
        "candidate_p95_ms": float(np.percentile(cand, 95)) if cand.size else None,
        "stable_p95_ms": float(np.percentile(base, 95)) if base.size else None,
    }
    if min(cand.size, base.size) < c.fail_requests:
        return Check("latency", "inconclusive", f"{cand.size} candidate latencies", figures)
    p95 = float(np.percentile(base, 95))
    limit = p95 + max(c.latency_increase * p95, c.latency_min_increase_ms)
    figures["limit_ms"] = limit
    figures["share_over_limit"] = float((cand > limit).mean())
    if exceeds(cand, limit, share=0.05, alpha=c.alpha):
        return Check(
            "latency",
            "fail",
            f"p95 {figures['candidate_p95_ms']:.1f} ms vs stable {p95:.1f} ms "
            f"(line {limit:.1f} ms)",
            figures,
        )
    if min(cand.size, base.size) < c.min_requests:
        return Check("latency", "inconclusive", f"{cand.size} of {c.min_requests}", figures)
    return Check("latency", "pass", f"p95 {figures['candidate_p95_ms']:.1f} ms", figures)


def accuracy(cand: Sample, base: Sample, c: Criteria) -> Check:
    """Fail when the candidate's accuracy on labels that arrived in the stage is below the
    stable's by more than ``accuracy_drop``, significantly; skipped when no label came."""
    figures: dict[str, float | None] = {
        "candidate_labels": float(cand.labels),
        "stable_labels": float(base.labels),
        "candidate_accuracy": cand.correct / cand.labels if cand.labels else None,
        "stable_accuracy": base.correct / base.labels if base.labels else None,
    }
    if cand.labels == 0:
        return Check("accuracy", "skipped", "no labels arrived for the candidate", figures)
    if min(cand.labels, base.labels) < c.min_labels:
        return Check("accuracy", "inconclusive", f"{cand.labels} of {c.min_labels} labels", figures)
    low, _ = drop_interval(base.correct, base.labels, cand.correct, cand.labels, alpha=c.alpha)
    dropped = base.correct / base.labels - cand.correct / cand.labels
    figures["drop"], figures["drop_lower_bound"] = dropped, low
    if dropped > c.accuracy_drop and low > 0:
        return Check(
            "accuracy",
            "fail",
            f"accuracy {figures['candidate_accuracy']:.1%} vs stable "
            f"{figures['stable_accuracy']:.1%} on {cand.labels} labels",
            figures,
        )
    _, high = drop_interval(
        base.correct, base.labels, cand.correct, cand.labels, alpha=c.pass_alpha
    )
    figures["drop_upper_bound"] = high
    if high > c.accuracy_drop:
        return Check(
            "accuracy",
            "inconclusive",
            f"{cand.labels} labels cannot yet tell a drop of {c.accuracy_drop:.0%}",
            figures,
        )
    return Check("accuracy", "pass", f"accuracy {figures['candidate_accuracy']:.1%}", figures)


def _mae(errors: np.ndarray) -> ErrorStats:
    return ErrorStats(
        int(errors.size), float(np.abs(errors).mean()), float(np.sqrt((errors**2).mean()))
    )


def regression_error(cand: np.ndarray, base: np.ndarray, c: Criteria) -> Check:
    """A regression model's mean absolute error on the stage's requests with a true value:
    fail when the candidate's exceeds the stable's by more than ``error_increase`` (relative)
    and the increase's lower bound (one-sided Welch at ``alpha``) is above 0; pass only once
    the upper bound at ``pass_alpha`` is within ``error_increase``; skipped without values."""
    figures: dict[str, float | None] = {
        "candidate_values": float(cand.size),
        "stable_values": float(base.size),
    }
    if cand.size == 0:
        return Check("regression_error", "skipped", "no true values for the candidate", figures)
    if min(cand.size, base.size) < c.min_labels:
        return Check(
            "regression_error", "inconclusive", f"{cand.size} of {c.min_labels} values", figures
        )
    now, stable = _mae(cand), _mae(base)
    allowed = c.error_increase * stable.mae
    low = increase_bound(stable, now, alpha=c.alpha)
    increase = now.mae - stable.mae
    # The upper bound mirrors the lower one: the increase plus its margin at ``pass_alpha``.
    high = increase + (increase - increase_bound(stable, now, alpha=c.pass_alpha))
    figures.update(
        {
            "candidate_mae": now.mae,
            "stable_mae": stable.mae,
            "candidate_rmse": now.rmse,
            "stable_rmse": stable.rmse,
            "mae_increase_pct": (now.mae - stable.mae) / stable.mae if stable.mae else None,
            "increase_lower_bound": low,
            "increase_upper_bound": high,
        }
    )
    said = f"MAE {now.mae:.4g} vs stable {stable.mae:.4g} on {now.labels} true values"
    if increase > allowed and low > 0:
        return Check("regression_error", "fail", said, figures)
    if high > allowed:
        return Check(
            "regression_error",
            "inconclusive",
            f"{said}: cannot yet tell an increase of {c.error_increase:.0%}",
            figures,
        )
    return Check("regression_error", "pass", said, figures)


def output_drift(cand: np.ndarray, base: np.ndarray, threshold: float, c: Criteria) -> Check:
    """The distribution of the candidate's answers against the stable version's."""
    if min(cand.size, base.size) < c.drift_min_samples:
        return Check("drift", "skipped", f"{cand.size} of {c.drift_min_samples} predictions", {})
    report = drift.compare(
        drift.profile(base, threshold=threshold), drift.profile(cand, threshold=threshold), c.drift
    )
    figures: dict[str, float | None] = dict(report.metrics())
    if report.drift_detected:
        return Check(
            "drift",
            "fail",
            f"answers differ from the stable version's: {', '.join(report.exceeded)} "
            f"(score {report.drift_score:.3f}, PSI {report.psi:.2f})",
            figures,
        )
    return Check("drift", "pass", f"drift score {report.drift_score:.3f}", figures)


def agreement(p: Paired, c: Criteria) -> Check:
    """Different decisions, and the distance between predicted probabilities, on the same
    requests: each judged on its confidence bound."""
    n = int(p.served_predicted.size)
    figures: dict[str, float | None] = {"paired": float(n)}
    if n < c.fail_requests:
        return Check("agreement", "inconclusive", f"{n} paired answers", figures)
    z = z_of(c.alpha)
    differ = int((p.served_predicted != p.candidate_predicted).sum())
    low, _ = wilson_interval(differ, n, z)
    distance = np.abs(p.served_probabilities - p.candidate_probabilities)
    mean = float(distance.mean())
    spread = float(distance.std(ddof=1)) if n > 1 else 0.0
    distance_low = mean - z * spread / math.sqrt(n)
    figures.update(
        {
            "disagreement": differ / n,
            "disagreement_lower_bound": low,
            "probability_distance": mean,
            "probability_distance_lower_bound": distance_low,
        }
    )
    if low > c.max_disagreement or distance_low > c.max_probability_distance:
        return Check(
            "agreement",
            "fail",
            f"{differ / n:.1%} of {n} decisions differ (mean probability distance {mean:.3f})",
            figures,
        )
    if n < c.min_requests:
        return Check("agreement", "inconclusive", f"{n} of {c.min_requests} paired", figures)
    return Check("agreement", "pass", f"{differ / n:.1%} of decisions differ", figures)


def switched(
    requests: float,
    values: dict[str, float],
    before_requests: float,
    before: dict[str, float],
    c: Criteria,
) -> Judgement:
    """A kubernetes, mlflow or command service after its one switch: the new version's
    error rate and p95 over the analysis window against the previous version's over the
    same length before the switch. With fewer previous figures than ``min_requests``, the
    errors are judged against an error-free version: the previous figures never grow after
    the switch, so a comparison needing ``min_requests`` of them would stay inconclusive."""
    n, base_n = int(requests), int(before_requests)
    cand_errors = round(values.get("error_rate", 0.0) * n)
    if base_n < c.min_requests:
        base_n, base_errors = max(n, 1), 0
    else:
        base_errors = round(before.get("error_rate", 0.0) * base_n)
    checks = [errors(cand_errors, n, base_errors, base_n, c)]
    p95, base_p95 = values.get("latency_p95_ms"), before.get("latency_p95_ms")
    figures: dict[str, float | None] = {"candidate_p95_ms": p95, "stable_p95_ms": base_p95}
    if p95 is None or base_p95 is None or n < c.min_requests:
        checks.append(Check("latency", "inconclusive" if p95 is None else "skipped", "", figures))
    else:
        limit = base_p95 + max(c.latency_increase * base_p95, c.latency_min_increase_ms)
        figures["limit_ms"] = limit
        verdict = "fail" if p95 > limit else "pass"
        checks.append(Check("latency", verdict, f"p95 {p95:.1f} ms (line {limit:.1f} ms)", figures))
    return combine(checks)
