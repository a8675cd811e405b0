"""Accuracy over label arrivals: the long and the recent window, multiclass answers and
per-class recall, at the default sample sizes."""

from __future__ import annotations

import numpy as np

from warroom.detect.detectors import Baseline, Observation, detect
from warroom.detect.labels import LabelStats, LabelWindow
from warroom.detect.windows import EMPTY
from warroom.playbook.schema import DetectionPolicy

POLICY = DetectionPolicy()
SEEDS = 1000


def multiclass(rng: np.random.Generator, n: int, recall: tuple[float, ...]) -> LabelWindow:
    """Labels of a 3-class model that gets class c right with probability recall[c] (else it
    answers the next class), arriving in order."""
    window = LabelWindow()
    for i in range(n):
        label = int(rng.integers(0, 3))
        right = rng.random() < recall[label]
        predicted = label if right else (label + 1) % 3
        window.add(at=float(i), predicted_at=float(i), predicted=predicted, label=label)
    return window


def observe(window: LabelWindow) -> Observation:
    return Observation(
        EMPTY,
        {},
        np.zeros(0),
        0.5,
        labels=window.stats(last=POLICY.accuracy_window),
        recent_labels=window.stats(last=POLICY.accuracy_recent),
    )


def baseline_of(window: LabelWindow) -> Baseline:
    found = window.stats(last=POLICY.baseline_labels)
    return Baseline(None, found.accuracy, None, labelled=found.labels)


HEALTHY = (0.9, 0.85, 0.8)


def test_healthy_multiclass_model_never_alerts_over_many_seeds() -> None:
    """1,000 seeds: a 500-label baseline, then 500 more labels of the same model, judged on
    both windows. Measured: 0 alerts (below 0.3 % per evaluation at 95 % confidence)."""
    alerts = 0
    for seed in range(SEEDS):
        rng = np.random.default_rng(seed)
        base = baseline_of(multiclass(rng, POLICY.baseline_labels, HEALTHY))
        alerts += bool(detect(observe(multiclass(rng, 500, HEALTHY)), base, POLICY))
    assert alerts == 0


def test_one_class_failing_alerts_and_is_named() -> None:
    for seed in range(50):
        rng = np.random.default_rng(seed)
        base = baseline_of(multiclass(rng, POLICY.baseline_labels, HEALTHY))
        (finding,) = detect(observe(multiclass(rng, 500, (0.9, 0.85, 0.1))), base, POLICY)
        assert finding.name == "HighPredictionErrorRate"
        assert finding.metrics["recall_class_2"] < 0.3 < finding.metrics["recall_class_0"]
        assert "class 2 recall" in finding.summary


def test_the_recent_window_shows_a_sharp_drop_before_the_long_one() -> None:
    """60 wrong answers after 440 good ones: the last 500 labels read a drop of about 0.1
    that their test can seldom tell from noise yet; the last 100 show it every time."""
    long_alerts = hits = 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        base = baseline_of(multiclass(rng, POLICY.baseline_labels, HEALTHY))
        window = multiclass(rng, 440, HEALTHY)
        for i, label in enumerate(rng.integers(0, 3, 60)):  # a model now always wrong
            at = 1000.0 + i
            window.add(at=at, predicted_at=at, predicted=(int(label) + 1) % 3, label=int(label))
        obs = observe(window)
        long_only = Observation(EMPTY, {}, np.zeros(0), 0.5, labels=obs.labels)
        long_alerts += bool(detect(long_only, base, POLICY))
        hits += bool(detect(obs, base, POLICY))
    assert hits == 100 and long_alerts < 50  # measured: 26


def test_too_few_labels_are_not_judged() -> None:
    base = Baseline(None, 0.9, None, labelled=POLICY.baseline_labels)
    few = LabelStats(POLICY.min_labels - 1, 0)
    assert detect(Observation(EMPTY, {}, np.zeros(0), 0.5, labels=few), base, POLICY) == []
    thin = Baseline(None, 0.9, None, labelled=POLICY.baseline_labels - 1)
    many = LabelStats(500, 0)
    assert detect(Observation(EMPTY, {}, np.zeros(0), 0.5, labels=many), thin, POLICY) == []
