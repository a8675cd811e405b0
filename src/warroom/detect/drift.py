"""Output drift: the last 1,000 predictions against a saved baseline.

Three indicators, each the absolute change of one statistic (the photo detector playbook's
thresholds): mean probability (0.15), low-confidence ratio (0.15), positive prediction ratio
(0.20); and the distribution of the answers as a whole (PSI, two-sample KS from scipy).
``drift_detected`` when any one indicator is strong: one of the three past its threshold, or
PSI above 0.1 *and* KS p-value below 1e-6 (both: PSI alone is noisy on a few hundred
samples, KS alone flags shifts too small to matter). Thresholds are calibrated on
baseline-drawn streams (tests/unit/test_drift_calibration.py).

``drift_score`` is the length of the change vector of the three indicators
(sqrt(a² + b² + c²)): the playbook's incident (0.18, 0.225, 0.22) scores 0.36, which its
severity table rates P2 (> 0.30) and its action table answers by lowering the decision
threshold (0.25-0.40), as its responders did. A single indicator past its line scores at
least that line (> 0.15: P3).
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
    psi: float = 0.1
    ks_pvalue: float = 1e-6


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
            "drift_samples": float(self.samples),
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
    stability = psi(b, c)
    if stability > thresholds.psi and ks_p < thresholds.ks_pvalue:
        exceeded += ("distribution",)
    return DriftReport(
        probability_drift=changes["probability"],
        confidence_drift=changes["confidence"],
        ratio_drift=changes["ratio"],
        drift_score=float(np.sqrt(sum(v * v for v in changes.values()))),
        drift_detected=bool(exceeded),
        exceeded=exceeded,
        psi=stability,
        ks_statistic=ks_stat,
        ks_pvalue=ks_p,
        samples=int(c.size),
    )
