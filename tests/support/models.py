"""Real models for tests: a scikit-learn classifier, and versions that fail in real ways."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def train(path: Path, *, seed: int = 0) -> Path:
    """A logistic regression on scikit-learn's bundled breast-cancer data, saved with joblib."""
    import joblib
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500, random_state=seed))
    model.fit(x, y)
    joblib.dump(model, path)
    return path


def sample_rows(n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    idx = np.random.default_rng(seed).integers(0, len(x), n)
    return x[idx], y[idx]


def broken(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    """A version whose model fails on every request (e.g. a missing feature column)."""
    raise RuntimeError("feature 'mean radius' has unexpected dtype object")


def slow(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    """A version that answers, but 300 ms late."""
    time.sleep(0.3)
    return [[0.5, 0.5] for _ in rows]
