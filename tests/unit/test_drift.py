"""The AI photo detector playbook's drift scenario, reproduced."""

from __future__ import annotations

import numpy as np

from warroom.detect.drift import DriftThresholds, Profile, compare, profile


def test_seed_002_numbers_give_drift_detected() -> None:
    baseline = Profile(mean_probability=0.72, low_confidence_ratio=0.123, positive_ratio=0.48)
    current = Profile(mean_probability=0.54, low_confidence_ratio=0.348, positive_ratio=0.26)
    report = compare(baseline, current)
    assert round(report.probability_drift, 3) == 0.18  # threshold 0.15
    assert round(report.confidence_drift, 3) == 0.225  # threshold 0.15
    assert round(report.ratio_drift, 3) == 0.22  # threshold 0.20
    assert report.exceeded == ("probability", "confidence", "ratio")
    assert report.drift_detected
    # The length of the change vector: 0.36, which the playbook's severity table rates P2
    # (> 0.30), as its responders rated this incident.
    assert round(report.drift_score, 3) == round((0.18**2 + 0.225**2 + 0.22**2) ** 0.5, 3)
    assert 0.30 < report.drift_score < 0.40


def test_one_strong_indicator_is_enough() -> None:
    """Sensor-noise drift: mean probability and positive ratio move, confidence does not."""
    baseline = Profile(0.62, 0.10, 0.62)
    current = Profile(0.36, 0.12, 0.32)
    report = compare(baseline, current)
    assert report.exceeded == ("probability", "ratio") and report.drift_detected
    assert report.drift_score > 0.30  # P2, not a P3 nobody is paged for


def test_two_of_three_below_their_lines_are_not_drift() -> None:
    report = compare(Profile(0.72, 0.123, 0.48), Profile(0.62, 0.2, 0.40))
    assert report.exceeded == () and not report.drift_detected


def _stream(rng: np.random.Generator, n: int, *, ai: float, confident: float) -> np.ndarray:
    """Probabilities of the 'AI-generated' class: a share ``ai`` of positives, a share
    ``confident`` of confident answers, the rest in the 0.4-0.6 low-confidence band."""
    positive = rng.random(n) < ai
    sure = rng.random(n) < confident
    p = np.where(sure, rng.uniform(0.85, 0.99, n), rng.uniform(0.5, 0.6, n))
    return np.where(
        positive, p, np.where(sure, rng.uniform(0.7, 0.84, n), rng.uniform(0.41, 0.5, n))
    )


def test_stream_from_the_baseline_distribution_does_not_drift() -> None:
    rng = np.random.default_rng(7)
    base = profile(_stream(rng, 5000, ai=0.48, confident=0.877))
    for _ in range(20):
        current = profile(_stream(rng, 1000, ai=0.48, confident=0.877))
        report = compare(base, current)
        assert not report.drift_detected and report.exceeded == ()
        assert report.psi < 0.1 and report.ks_pvalue > 0.001


def test_stream_after_new_generators_drifts() -> None:
    rng = np.random.default_rng(8)
    base = profile(_stream(rng, 5000, ai=0.48, confident=0.877))
    after = _stream(rng, 1000, ai=0.26, confident=0.652)
    after = np.where(rng.random(1000) < 0.5, after * 0.6, after)  # lower mean probability
    report = compare(base, profile(after))
    assert report.drift_detected, report
    assert report.psi > 0.25 and report.ks_pvalue < 1e-6


def test_thresholds_are_settings() -> None:
    report = compare(
        Profile(0.72, 0.123, 0.48), Profile(0.70, 0.13, 0.47), DriftThresholds(0.01, 0.005, 0.005)
    )
    assert report.drift_detected
