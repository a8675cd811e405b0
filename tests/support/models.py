"""Real models for tests: a scikit-learn classifier, and versions that fail in real ways."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def train(path: Path, *, seed: int = 0, c: float = 0.01) -> Path:
    """A logistic regression on scikit-learn's bundled breast-cancer data, saved with joblib.

    Regularised (C=0.01) so its probabilities are not all 0 or 1: drift then shows in the
    confidence of its answers, as in the AI photo detector playbook's scenario."""
    import joblib
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(
        StandardScaler(), LogisticRegression(C=c, max_iter=500, random_state=seed)
    )
    model.fit(x, y)
    joblib.dump(model, path)
    return path


def sample_rows(n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    idx = np.random.default_rng(seed).integers(0, len(x), n)
    return x[idx], y[idx]


def toward_malignant(row: np.ndarray, amount: float = 0.4) -> np.ndarray:
    """Inputs unlike the training data: moved part of the way to the malignant class mean
    (the model grows unsure, and fewer answers are positive, as with the AI photo detector
    playbook's new generators)."""
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    return np.asarray(row + amount * (x[y == 0].mean(axis=0) - row))


def broken(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    """A version whose model fails on every request (e.g. a missing feature column)."""
    raise RuntimeError("feature 'mean radius' has unexpected dtype object")


def slow(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    """A version that answers, but 300 ms late."""
    time.sleep(0.3)
    return [[0.5, 0.5] for _ in rows]


class Faulty:
    """A real model whose failure mode a test switches at run time (in-process servers)."""

    mode: str | None = None
    model_path: Path | None = None
    _model: object | None = None

    @classmethod
    def predict_proba(cls, rows: Sequence[Sequence[float]]) -> np.ndarray:
        import joblib

        if cls._model is None:
            assert cls.model_path is not None
            cls._model = joblib.load(cls.model_path)
        proba = np.asarray(cls._model.predict_proba(np.asarray(rows)))  # type: ignore[attr-defined]
        if cls.mode == "errors" and np.random.random() < 0.5:
            raise RuntimeError("CUDA error: out of memory")
        if cls.mode == "latency":
            time.sleep(0.03)
        if cls.mode == "wrong":
            proba = proba[:, ::-1]
        if cls.mode == "worse":  # a quarter of the answers wrong: 20+ points less accurate
            flip = np.random.random(len(proba)) < 0.25
            proba[flip] = proba[flip][:, ::-1]
        return proba


faulty = Faulty


def flaky(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    """Half the requests fail (a bad dependency in the new version); the rest answer."""
    if np.random.random() < 0.5:
        raise RuntimeError("upstream feature store timed out")
    return [[0.3, 0.7] for _ in rows]


class Noisy:
    """A real model as production serves it (live benchmark): 1 % of calls fail, and each
    call takes a jittered 0.5-3 ms more (a feature lookup). The model file is named by
    ``WARROOM_BENCH_MODEL`` in the serving process."""

    _model: object | None = None

    @classmethod
    def predict_proba(cls, rows: Sequence[Sequence[float]]) -> np.ndarray:
        import os

        import joblib

        if cls._model is None:
            cls._model = joblib.load(os.environ["WARROOM_BENCH_MODEL"])
        time.sleep(float(np.random.uniform(0.0005, 0.003)))
        if np.random.random() < 0.01:
            raise RuntimeError("feature lookup timed out")
        return np.asarray(cls._model.predict_proba(np.asarray(rows)))  # type: ignore[attr-defined]


noisy = Noisy


class Creeping(Noisy):
    """A release whose errors creep up (a leak): from its first call, 2 more points of
    errors every 15 s, up to 20 %, on top of :class:`Noisy`'s background."""

    _start: float | None = None

    @classmethod
    def predict_proba(cls, rows: Sequence[Sequence[float]]) -> np.ndarray:
        if cls._start is None:
            cls._start = time.monotonic()
        share = min(0.2, 0.02 * (1 + (time.monotonic() - cls._start) // 15))
        if np.random.random() < share:
            raise RuntimeError("connection pool exhausted")
        return Noisy.predict_proba(rows)


creeping = Creeping


class Erroring(Noisy):
    """A release candidate whose calls fail 30 % of the time (on top of :class:`Noisy`)."""

    @classmethod
    def predict_proba(cls, rows: Sequence[Sequence[float]]) -> np.ndarray:
        if np.random.random() < 0.3:
            raise RuntimeError("tensor shape mismatch in the new feature pipeline")
        return Noisy.predict_proba(rows)


erroring = Erroring


class LessAccurate(Noisy):
    """A release candidate about 20 points less accurate: a fifth of its answers flipped."""

    @classmethod
    def predict_proba(cls, rows: Sequence[Sequence[float]]) -> np.ndarray:
        proba = np.array(Noisy.predict_proba(rows))
        flip = np.random.random(len(proba)) < 0.22
        proba[flip] = proba[flip][:, ::-1]
        return proba


less_accurate = LessAccurate


def price(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    """A regression model (a house price from its features): one value per row."""
    return [[float(sum(row))] for row in rows]


def price_high(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    """A worse regression candidate: the same prices, three too high."""
    return [[float(sum(row)) + 3.0] for row in rows]


class Gate:
    """A model stuck on a dependency: each call waits until the test opens the gate, so a
    test can hold calls in flight for as long as it needs, without timing anything."""

    _cond = threading.Condition()
    waiting = 0
    opened = threading.Event()

    @classmethod
    def reset(cls) -> None:
        with cls._cond:
            cls.waiting = 0
        cls.opened.clear()

    @classmethod
    def wait_for(cls, calls: int, timeout: float = 60) -> bool:
        """Until ``calls`` calls are held at the gate (False if that never happens)."""
        with cls._cond:
            return cls._cond.wait_for(lambda: cls.waiting >= calls, timeout=timeout)

    @classmethod
    def predict_proba(cls, rows: Sequence[Sequence[float]]) -> list[list[float]]:
        with cls._cond:
            cls.waiting += 1
            cls._cond.notify_all()
        cls.opened.wait(timeout=120)
        return [[0.5, 0.5] for _ in rows]


gate = Gate
