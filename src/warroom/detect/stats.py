"""Small statistics used by the detectors: pure numpy/scipy, no state."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps


def wilson_interval(errors: int, total: int, z: float = 2.576) -> tuple[float, float]:
    """Wilson score interval of a proportion (z=2.576: 99 %); (0, 1) with no data."""
    if total == 0:
        return 0.0, 1.0
    p = errors / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def psi(baseline: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    """Population stability index of two samples over fixed [0, 1] bins."""
    if baseline.size == 0 or current.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    b = np.histogram(baseline, edges)[0] / baseline.size
    c = np.histogram(current, edges)[0] / current.size
    b, c = np.clip(b, 1e-4, None), np.clip(c, 1e-4, None)
    return float(np.sum((c - b) * np.log(c / b)))


def ks(baseline: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic and p-value."""
    if baseline.size == 0 or current.size == 0:
        return 0.0, 1.0
    result = sps.ks_2samp(baseline, current)
    return float(result.statistic), float(result.pvalue)
