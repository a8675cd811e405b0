"""Per-feature input drift: calibrated on baseline-drawn streams at the default sample sizes
(500 baseline inputs, the last 500 requests), sensitive to real shifts."""

from __future__ import annotations

import numpy as np

from warroom.detect import inputs
from warroom.detect.detectors import Baseline, Observation, detect
from warroom.detect.windows import EMPTY, OutcomeWindow
from warroom.playbook.schema import DetectionPolicy

POLICY = DetectionPolicy()
P = POLICY.drift
SEEDS = 1000


def rows(rng: np.random.Generator, n: int, *, shift: float = 0.0, mix: float = 0.0) -> np.ndarray:
    """20 normal features, 5 skewed (lognormal) ones, 3 categorical (codes 0-3, one rare)."""
    normal = rng.normal(shift, 1.0, (n, 20))
    skewed = rng.lognormal(0.0, 1.0, (n, 5)) + shift
    weights = np.array([0.5, 0.3, 0.15, 0.05])
    weights = (1 - mix) * weights + mix * weights[::-1]
    codes = rng.choice(4, size=(n, 3), p=weights).astype(float)
    return np.hstack([normal, skewed, codes])


def judge(base: np.ndarray, current: np.ndarray) -> inputs.InputDrift:
    found = inputs.compare(base, current, alpha=POLICY.alpha, psi=P.feature_psi)
    assert found is not None
    return found


def test_baseline_drawn_inputs_never_drift_over_many_seeds() -> None:
    alerts = drifted_features = 0
    for seed in range(SEEDS):
        rng = np.random.default_rng(seed)
        found = judge(rows(rng, P.inputs), rows(rng, P.inputs))
        drifted_features += len(found.drifted)
        alerts += found.share >= P.feature_share
    # 0 of 1,000 seeds alerted and 0 of 28,000 feature tests flagged a feature: below
    # 0.3 % per evaluation (and 0.011 % per feature) at 95 % confidence.
    assert alerts == 0 and drifted_features == 0


def test_kinds_of_features() -> None:
    rng = np.random.default_rng(1)
    found = judge(rows(rng, 500), rows(rng, 500))
    kinds = [f.kind for f in found.features]
    assert kinds == ["numeric"] * 25 + ["categorical"] * 3


def test_sensor_noise_drifts_every_numeric_feature() -> None:
    for seed in range(50):
        rng = np.random.default_rng(seed)
        base = rows(rng, 500)
        noisy = rows(rng, 500)
        noisy[:, :25] += rng.normal(0, 3.0, (500, 25)) * base[:, :25].std(axis=0)
        found = judge(base, noisy)
        assert {f.index for f in found.drifted} >= set(range(25)) and found.share >= 0.5


def test_a_moderate_shift_of_every_feature_is_seen_and_a_small_one_is_not() -> None:
    for seed in range(50):
        rng = np.random.default_rng(seed)
        base = rows(rng, 500)
        assert judge(base, rows(rng, 500, shift=0.6, mix=0.8)).share >= P.feature_share
        assert judge(base, rows(rng, 500, shift=0.05)).share < P.feature_share


def test_a_changed_category_mix_is_found_by_chi_square() -> None:
    rng = np.random.default_rng(3)
    found = judge(rows(rng, 500), rows(rng, 500, mix=1.0))
    assert {f.index for f in found.drifted} == {25, 26, 27}
    assert all(f.kind == "categorical" and f.pvalue < 1e-10 for f in found.drifted)


def test_unseen_categories_count_as_other() -> None:
    base = np.array([[0.0], [1.0]] * 250)
    current = np.array([[5.0]] * 500)
    found = judge(base, current)
    assert found.drifted and found.features[0].kind == "categorical"


def test_inputs_of_another_width_are_not_compared() -> None:
    assert inputs.compare(np.zeros((10, 3)), np.zeros((10, 4)), alpha=1e-6, psi=0.2) is None


def test_the_detector_reports_input_drift_alone() -> None:
    rng = np.random.default_rng(4)
    base = rows(rng, 500)
    probabilities = rng.uniform(0, 1, 1000)
    baseline = Baseline(None, None, None, inputs=base)
    quiet = Observation(EMPTY, {}, probabilities, 0.5, inputs=rows(rng, 500))
    assert detect(quiet, baseline, POLICY) == []
    moved = Observation(EMPTY, {}, probabilities, 0.5, inputs=rows(rng, 500, shift=1.0))
    (finding,) = detect(moved, baseline, POLICY)
    assert finding.name == "DriftDetected" and finding.metrics["input_drift_share"] >= 0.5
    assert "input features drifted" in finding.summary


def test_the_window_keeps_the_last_inputs_of_one_width() -> None:
    window = OutcomeWindow(capacity=100)
    for i in range(150):
        window.add_input([float(i), 1.0])
    window.add_input([1.0, 2.0, 3.0])  # another width: not kept
    window.add_input(["x", "y"])  # type: ignore[list-item]
    recent = window.recent_inputs(last=10)
    assert recent.shape == (10, 2) and recent[-1, 0] == 149.0 and recent[0, 0] == 140.0
