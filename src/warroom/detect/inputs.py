"""Input drift: each feature of the recent requests against the baseline's sample of inputs.

A feature is *categorical* when the baseline's values of it are whole numbers with at most
``CATEGORIES`` distinct values (a JSON request carries numbers only, so a category arrives
as its code); any other feature is *numeric*.

- numeric: two-sample Kolmogorov-Smirnov test (its p-value from the limiting Kolmogorov
  distribution, ``scipy.stats.kstwobign``) and PSI over the baseline's deciles;
- categorical: chi-square test of the two samples' counts per category (as
  ``scipy.stats.chi2_contingency``; values the baseline never saw count as one "other"
  category) and PSI over the categories.

The statistics are computed here and the p-values taken from scipy's distributions in one
vectorised call, because the detector loop judges every version every second.

A feature has drifted when its test is significant at ``alpha`` divided by the number of
features (Bonferroni: one look over all features keeps the family's false-alarm rate at
``alpha``) *and* the change is material (PSI above ``psi``): with thousands of samples a
test finds differences too small to matter. The indicator is the share of features that
drifted; thresholds are calibrated on baseline-drawn streams in
tests/unit/test_input_drift.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

CATEGORIES = 10
_FLOOR = 1e-4  # empty bins: PSI's logarithm needs a share above 0


@dataclass(frozen=True)
class FeatureDrift:
    index: int
    kind: str  # numeric | categorical
    statistic: float  # KS distance, or chi-square
    pvalue: float
    psi: float
    drifted: bool


@dataclass(frozen=True)
class InputDrift:
    features: tuple[FeatureDrift, ...]
    samples: int

    @property
    def drifted(self) -> tuple[FeatureDrift, ...]:
        return tuple(f for f in self.features if f.drifted)

    @property
    def share(self) -> float:
        return len(self.drifted) / len(self.features) if self.features else 0.0

    def metrics(self) -> dict[str, float]:
        return {
            "input_drift_share": self.share,
            "drifted_features": float(len(self.drifted)),
            "features": float(len(self.features)),
            "input_samples": float(self.samples),
        }

    def describe(self, top: int = 3) -> str:
        worst = sorted(self.drifted, key=lambda f: -f.psi)[:top]
        named = ", ".join(f"feature {f.index} (PSI {f.psi:.2f})" for f in worst)
        return f"{len(self.drifted)} of {len(self.features)} input features drifted: {named}"


def categorical(column: np.ndarray) -> bool:
    """Whole numbers with at most ``CATEGORIES`` distinct values."""
    values = np.unique(column)
    return values.size <= CATEGORIES and bool(np.all(values == np.round(values)))


def psi_of(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two count vectors over the same bins."""
    e = np.clip(expected / max(expected.sum(), 1), _FLOOR, None)
    a = np.clip(actual / max(actual.sum(), 1), _FLOOR, None)
    return float(np.sum((a - e) * np.log(a / e)))


def numeric(base: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(KS distances, PSIs over the baseline's deciles) of numeric features, one per column
    of ``base`` and ``current`` (rows × features), all columns at once."""
    n, m = base.shape[0], current.shape[0]
    both = np.vstack([base, current])
    order = np.argsort(both, axis=0, kind="stable")
    ordered = np.take_along_axis(both, order, axis=0)
    from_base = order < n
    gap = np.abs(np.cumsum(from_base, axis=0) / n - np.cumsum(~from_base, axis=0) / m)
    # Only the last of equal values is a point of both step functions.
    last = np.vstack([ordered[1:] != ordered[:-1], np.ones((1, both.shape[1]), dtype=bool)])
    distance = np.where(last, gap, 0.0).max(axis=0)
    edges = np.sort(base, axis=0)[(np.arange(1, 10) * n) // 10]  # 9 × features
    bins = np.arange(10)[:, None, None]
    in_base = (bins == (base[None] >= edges[:, None]).sum(axis=0)[None]).sum(axis=1)
    in_current = (bins == (current[None] >= edges[:, None]).sum(axis=0)[None]).sum(axis=1)
    e = np.clip(in_base / n, _FLOOR, None)
    a = np.clip(in_current / m, _FLOOR, None)
    shift = np.sum((a - e) * np.log(a / e), axis=0)
    return distance, shift


def chi_square(base: np.ndarray, current: np.ndarray) -> tuple[float, int, float]:
    """(chi-square, its degrees of freedom, PSI over the categories) of one categorical
    feature: the 2 × k table of counts, as ``scipy.stats.chi2_contingency`` without
    continuity correction computes it."""
    seen = np.unique(base)
    counts_b = np.append((base[:, None] == seen).sum(axis=0), 0).astype(float)
    counts_c = (current[:, None] == seen).sum(axis=0).astype(float)
    counts_c = np.append(counts_c, current.size - counts_c.sum())
    keep = (counts_b + counts_c) > 0
    table = np.vstack([counts_b[keep], counts_c[keep]])
    if table.shape[1] < 2:
        return 0.0, 1, 0.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0) / table.sum()
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return chi2, table.shape[1] - 1, psi_of(counts_b, counts_c)


def compare(
    baseline: np.ndarray, current: np.ndarray, *, alpha: float, psi: float
) -> InputDrift | None:
    """Per-feature drift of ``current`` (rows × features) against ``baseline``; None when the
    two do not have the same features."""
    if baseline.ndim != 2 or current.ndim != 2 or baseline.shape[1] != current.shape[1]:
        return None
    width = baseline.shape[1]
    kinds = ["categorical" if categorical(baseline[:, j]) else "numeric" for j in range(width)]
    is_cat = np.array([k == "categorical" for k in kinds], dtype=bool)
    stats, dof, shifts = np.zeros(width), np.zeros(width), np.zeros(width)
    if (~is_cat).any():
        stats[~is_cat], shifts[~is_cat] = numeric(baseline[:, ~is_cat], current[:, ~is_cat])
    for j in np.flatnonzero(is_cat):
        stats[j], dof[j], shifts[j] = chi_square(baseline[:, j], current[:, j])
    # The p-values in two vectorised calls (scipy's distributions are slow one at a time).
    en = baseline.shape[0] * current.shape[0] / (baseline.shape[0] + current.shape[0])
    pvalues = np.ones(width)
    if (~is_cat).any():
        pvalues[~is_cat] = sps.kstwobign.sf(stats[~is_cat] * np.sqrt(en))
    if is_cat.any():
        pvalues[is_cat] = sps.chi2.sf(stats[is_cat], dof[is_cat])
    level = alpha / max(width, 1)
    found = tuple(
        FeatureDrift(
            j,
            kinds[j],
            float(stats[j]),
            float(pvalues[j]),
            float(shifts[j]),
            bool(pvalues[j] < level and shifts[j] > psi),
        )
        for j in range(width)
    )
    return InputDrift(found, int(current.shape[0]))
