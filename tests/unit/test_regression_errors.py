"""Regression models: MAE and RMSE against true values that arrive late, judged against the
baseline's with a one-sided test at the default sample sizes."""

from __future__ import annotations

import numpy as np
import pytest

from warroom.detect.detectors import Baseline, Observation, detect
from warroom.detect.labels import LabelWindow, Ledger
from warroom.detect.windows import EMPTY
from warroom.errors import InvalidInput
from warroom.playbook.schema import DetectionPolicy

POLICY = DetectionPolicy()
SEEDS = 1000


def errors_of(rng: np.random.Generator, n: int, scale: float, bias: float = 0.0) -> LabelWindow:
    """A model whose answers miss the truth by heavy-tailed noise (Student t, 3 d.o.f.)."""
    window = LabelWindow()
    truth = rng.normal(100.0, 20.0, n)
    answers = truth + bias + scale * rng.standard_t(3, n)
    for i in range(n):
        window.add_value(at=float(i), predicted=float(answers[i]), value=float(truth[i]))
    return window


def judge(rng: np.random.Generator, scale: float, n: int, bias: float = 0.0) -> list[str]:
    base = errors_of(rng, POLICY.baseline_labels, 5.0).errors(last=POLICY.baseline_labels)
    now = errors_of(rng, n, scale, bias).errors(last=POLICY.accuracy_window)
    obs = Observation(EMPTY, {}, np.zeros(0), 0.5, errors=now)
    return [f.name for f in detect(obs, Baseline(None, None, None, errors=base), POLICY)]


def test_mae_and_rmse() -> None:
    window = LabelWindow()
    for predicted, value in [(1.0, 2.0), (3.0, 1.0), (5.0, 5.0)]:
        window.add_value(at=0.0, predicted=predicted, value=value)
    found = window.errors(last=10)
    assert found.labels == 3 and found.mae == pytest.approx(1.0)
    assert found.rmse == pytest.approx(np.sqrt(5 / 3))


def test_a_healthy_model_never_alerts_over_many_seeds() -> None:
    """1,000 seeds at the minimum (100) and the full (500) window: 0 alerts, below 0.3 % per
    evaluation at 95 % confidence."""
    rng = np.random.default_rng(0)
    for n in (POLICY.min_labels, POLICY.accuracy_window):
        assert sum(bool(judge(rng, 5.0, n)) for _ in range(SEEDS)) == 0


def test_worse_answers_alert() -> None:
    """Power per evaluation (heavy-tailed errors, 100 seeds each), measured: noise doubled,
    500 true values 98 %; a bias of two noise scales, 500 values 100 %; noise tripled, the
    first 100 values 95 %. Consecutive evaluations see new values, so a lasting change is
    caught within a few evaluations."""
    rng = np.random.default_rng(1)
    assert sum(judge(rng, 10.0, 500) == ["HighPredictionErrorRate"] for _ in range(100)) >= 95
    assert all(judge(rng, 5.0, 500, bias=10.0) for _ in range(100))
    assert sum(bool(judge(rng, 15.0, 100)) for _ in range(100)) >= 90


def test_a_class_for_a_value_is_refused_and_consumes_nothing() -> None:
    ledger = Ledger(capacity=16)
    ledger.add(request=1, service="s", version="v1", at=0.0, predicted=-1, value=3.5)
    with pytest.raises(InvalidInput):
        ledger.claim(1, "s", now=1.0)
    version, pending = ledger.claim(1, "s", now=1.0, value=True)
    assert version == "v1" and pending.value == 3.5
    ledger.add(request=2, service="s", version="v1", at=0.0, predicted=1)
    with pytest.raises(InvalidInput):
        ledger.claim(2, "s", now=1.0, value=True)
