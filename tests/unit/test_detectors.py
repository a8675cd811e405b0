"""The detectors over synthetic windows (no server)."""

from __future__ import annotations

import numpy as np

from warroom.detect.burnrate import BurnWindow, burn_rate, evaluate
from warroom.detect.detectors import Baseline, Observation, detect
from warroom.detect.drift import Profile
from warroom.detect.stats import wilson_interval
from warroom.detect.windows import OutcomeWindow
from warroom.playbook.loader import load_playbook

POLICY = load_playbook().detection


def window(
    n: int, *, error_every: int = 0, latency: float = 2.0, t0: float = 1000.0
) -> OutcomeWindow:
    w = OutcomeWindow(capacity=5000)
    for i in range(n):
        ok = not (error_every and i % error_every == 0)
        w.add(
            at=t0 + i * 0.01,
            ok=ok,
            latency_ms=latency,
            probability=0.8 if ok else None,
            predicted=1 if ok else None,
            request=i,
        )
    return w


def observe(w: OutcomeWindow, now: float) -> Observation:
    return Observation(
        fast=w.stats(since=now - 10),
        counts={s: w.counts.totals(now=now, window=s) for s in (10, 300, 1800, 3600, 21600)},
        probabilities=w.probabilities(last=1000),
        threshold=0.5,
        latencies=(w.latencies(since=now - 10), w.latencies(since=now - 60)),
        labels=w.labels.stats(last=POLICY.accuracy_window),
    )


def test_wilson_interval() -> None:
    low, high = wilson_interval(1, 3)
    assert low < 0.05 and high > 0.8  # 1 error in 3: anything from 4 % to 86 %
    low, _ = wilson_interval(50, 100)
    assert 0.35 < low < 0.5


def test_one_error_in_three_requests_is_not_an_outage() -> None:
    w = window(3, error_every=3)
    assert detect(observe(w, 1001), None, POLICY) == []


def test_half_errors_is_high_error_rate_with_metrics() -> None:
    w = window(200, error_every=2)
    (finding,) = detect(observe(w, 1002), None, POLICY)
    assert finding.name == "HighErrorRate"
    assert finding.metrics["error_rate"] == 0.5 and finding.metrics["availability"] == 0.5


def test_all_errors_is_service_down() -> None:
    w = window(100, error_every=1)
    (finding,) = detect(observe(w, 1001), None, POLICY)
    assert finding.name == "ServiceDown" and finding.metrics["error_rate"] == 1.0


def test_background_errors_do_not_fire() -> None:
    w = window(1000, error_every=100)  # 1 %
    assert detect(observe(w, 1010), None, POLICY) == []


def test_latency_against_baseline() -> None:
    w = window(100, latency=90.0)
    base = Baseline(latency_p95_ms=30.0, accuracy=None, profile=None)
    (finding,) = detect(observe(w, 1001), base, POLICY)
    assert finding.name == "HighLatency"
    assert finding.metrics["latency_increase_pct"] == 2.0  # +200 %: Protocol 25's P1 boundary


def test_a_few_milliseconds_more_is_not_an_incident() -> None:
    """3 ms → 9 ms is +200 %, but under the absolute part of the line (25 ms)."""
    w = window(100, latency=9.0)
    base = Baseline(latency_p95_ms=3.0, accuracy=None, profile=None)
    assert detect(observe(w, 1001), base, POLICY) == []


def test_accuracy_drop_from_feedback() -> None:
    w = window(200)
    for i in range(200):
        # Half the answers were wrong (the labels arrive long after the predictions).
        w.labels.add(at=5000.0 + i, predicted_at=1000.0, predicted=1, label=i % 2)
    base = Baseline(latency_p95_ms=None, accuracy=0.95, profile=None, labelled=1000)
    (finding,) = detect(observe(w, 1001), base, POLICY)
    assert finding.name == "HighPredictionErrorRate"
    assert round(finding.metrics["accuracy_drop"], 2) == 0.45
    assert 0.25 < finding.metrics["accuracy_drop_lower_bound"] < 0.45


def test_drift_critical_above_point_four() -> None:
    w = window(500)
    base = Baseline(None, None, Profile(0.2, 0.9, 0.0, tuple(np.full(500, 0.2))))
    (finding,) = detect(observe(w, 1005), base, POLICY)
    assert finding.name == "DriftCritical" and finding.metrics["drift_score"] > 0.4


def test_model_not_loaded() -> None:
    obs = observe(window(0), 1000)
    obs = Observation(obs.fast, obs.counts, obs.probabilities, 0.5, load_error="no such file")
    (finding,) = detect(obs, None, POLICY)
    assert finding.name == "ModelNotLoaded"


def test_multiwindow_burn_rate() -> None:
    assert round(burn_rate(2, 100, slo=0.99), 9) == 2.0
    fast = BurnWindow(3600, 300, 14.4)
    firing = evaluate([fast], {3600: (10_000, 1_500), 300: (1_000, 200)}, slo=0.99, min_requests=20)
    assert firing[0].firing and round(firing[0].long_rate, 9) == 15.0
    # The burning stopped: the short window clears the alert at once.
    stopped = evaluate([fast], {3600: (10_000, 1_500), 300: (1_000, 5)}, slo=0.99, min_requests=20)
    assert not stopped[0].firing
