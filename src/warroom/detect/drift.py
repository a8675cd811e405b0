"""Seed 002's DriftDetector: the last 1,000 predictions against a saved baseline.

Three indicators, each the absolute change of one statistic (seed 002's thresholds):
mean probability (0.15), low-confidence ratio (0.15), positive ("AI") prediction ratio
(0.20). ``drift_detected`` when all three exceed their thresholds, as in the seed's
scenario; ``drift_score`` is the mean of the three changes (seed 002's action table reads it:
0.15-0.25 monitor, 0.25-0.40 lower the threshold, > 0.40 human review). PSI and KS on the
probability distribution are reported alongside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from warroom.detect.stats import ks, psi


@dataclass(frozen=True)
class Profile:
    """What a baseline keeps of a prediction stream."""

    mean_probability: float
    low_confidence_ratio: float
    positive_ratio: float
    probabilities: tuple[float, ...] = ()


@dataclass(frozen=True)
class DriftThresholds:
    probability: float = 0.15
    confidence: float = 0.15
    ratio: float = 0.20


@dataclass(frozen=True)
class DriftReport:
    probability_drift: float
    confidence_drift: float
    ratio_drift: float
    drift_score: float
    drift_detected: bool
    exceeded: tuple[str, ...]
    psi: float
    ks_statistic: float
    ks_pvalue: float
    samples: int

    def metrics(self) -> dict[str, float]:
        return {
            "drift_score": self.drift_score,
            "probability_drift": self.probability_drift,
            "confidence_drift": self.confidence_drift,
            "ratio_drift": self.ratio_drift,
            "psi": self.psi,
            "ks_statistic": self.ks_statistic,
        }


def profile(probabilities: np.ndarray, *, threshold: float = 0.5, low: float = 0.6) -> Profile:
    """Summarise predicted probabilities (of the positive class) as a drift profile."""
    p = np.asarray(probabilities, dtype=float)
    if p.size == 0:
        return Profile(0.0, 0.0, 0.0, ())
    return Profile(
        mean_probability=float(p.mean()),
        low_confidence_ratio=float((np.maximum(p, 1 - p) < low).mean()),
        positive_ratio=float((p >= threshold).mean()),
        probabilities=tuple(float(x) for x in p[-1000:]),
    )


def compare(
    baseline: Profile, current: Profile, thresholds: DriftThresholds = DriftThresholds()
) -> DriftReport:
    """Drift of ``current`` against ``baseline``."""
    changes = {
        "probability": abs(current.mean_probability - baseline.mean_probability),
        "confidence": abs(current.low_confidence_ratio - baseline.low_confidence_ratio),
        "ratio": abs(current.positive_ratio - baseline.positive_ratio),
    }
    limits = {
        "probability": thresholds.probability,
        "confidence": thresholds.confidence,
        "ratio": thresholds.ratio,
    }
    exceeded = tuple(k for k, v in changes.items() if v > limits[k])
    b = np.asarray(baseline.probabilities)
    c = np.asarray(current.probabilities)
    ks_stat, ks_p = ks(b, c)
    return DriftReport(
        probability_drift=changes["probability"],
        confidence_drift=changes["confidence"],
        ratio_drift=changes["ratio"],
        drift_score=sum(changes.values()) / 3,
        drift_detected=len(exceeded) == 3,
        exceeded=exceeded,
        psi=psi(b, c),
        ks_statistic=ks_stat,
        ks_pvalue=ks_p,
        samples=int(c.size),
    )
