"""Small statistics used by the detectors: pure numpy/scipy, no state.

The tests and intervals come from scipy.stats (binomial test, Wilson interval, two-sample
KS); what is written here is only how they are combined.
"""

from __future__ import annotations

import math
from typing import Protocol

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


def z_of(alpha: float) -> float:
    """The one-sided normal quantile of ``alpha`` (1e-6 → 4.75)."""
    return float(sps.norm.isf(alpha))


def drop_interval(
    base_hits: int, base_n: int, hits: int, n: int, *, alpha: float
) -> tuple[float, float]:
    """Newcombe's hybrid score interval of ``base - current`` for two proportions (e.g. an
    accuracy drop), each side one-sided at ``alpha``; (-1, 1) without data."""
    if base_n == 0 or n == 0:
        return -1.0, 1.0
    z = z_of(alpha)
    p1, p2 = base_hits / base_n, hits / n
    l1, u1 = wilson_interval(base_hits, base_n, z)
    l2, u2 = wilson_interval(hits, n, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


class ErrorLike(Protocol):
    @property
    def labels(self) -> int: ...
    @property
    def mae(self) -> float: ...
    @property
    def rmse(self) -> float: ...


def increase_bound(base: ErrorLike, current: ErrorLike, *, alpha: float) -> float:
    """One-sided lower bound at ``alpha`` of the increase of the mean absolute error (Welch:
    each side's variance of |error| is RMSE² - MAE²)."""
    var_b = max(base.rmse**2 - base.mae**2, 0.0) / base.labels
    var_c = max(current.rmse**2 - current.mae**2, 0.0) / current.labels
    return current.mae - base.mae - z_of(alpha) * math.sqrt(var_b + var_c)


def exceeds(values: np.ndarray, limit: float, *, share: float, alpha: float) -> bool:
    """True when significantly more than ``share`` of ``values`` lie above ``limit`` (one-sided
    binomial test at ``alpha``): e.g. more than 5 % of requests slower than a p95 limit."""
    if values.size == 0:
        return False
    above = int((values > limit).sum())
    if above <= share * values.size:
        return False
    return bool(sps.binomtest(above, int(values.size), share, alternative="greater").pvalue < alpha)


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
