"""Latency at low traffic: a version serving fewer calls than the fast window's minimum (20
in 10 s) is judged on its last calls of up to 5 minutes (the last 20, confirmed on the 60 s
window or, when that is quiet too, the last 50), with the same line and binomial test.

Traffic is simulated through a real outcome window (Poisson arrivals) and judged every
5 seconds as the detector loop would, with the playbook's defaults.
"""

from __future__ import annotations

import numpy as np

from warroom.detect.detectors import Baseline, Observation, detect
from warroom.detect.windows import EMPTY, OutcomeWindow
from warroom.gateway.detection import latency_windows
from warroom.playbook.loader import load_playbook

POLICY = load_playbook().detection
SEEDS = 1000
EVERY = 5.0  # seconds between the evaluations judged


def _latency(rng: np.random.Generator, n: int) -> np.ndarray:
    """A healthy 20 ms model call with a heavy tail: lognormal (sigma 0.5) plus 3 % of calls
    stalled by up to 60 ms; about 1 % of calls land past the alert line."""
    return rng.lognormal(np.log(20.0), 0.5, n) + (rng.random(n) < 0.03) * rng.uniform(0, 60, n)


class Traffic:
    """One version's calls at ``rate`` per second into a real outcome window."""

    def __init__(self, rng: np.random.Generator, rate: float):
        self.rng, self.rate = rng, rate
        self.window = OutcomeWindow(capacity=2000)
        self.base = Baseline(float(np.percentile(_latency(rng, 500), 95)), None, None)
        self.t, self.n = 0.0, 0

    def call(self, extra_ms: float = 0.0) -> None:
        self.t += self.rng.exponential(1 / self.rate)
        latency = float(_latency(self.rng, 1)[0]) + extra_ms
        self.window.add(
            at=self.t, ok=True, latency_ms=latency, probability=0.8, predicted=1, request=self.n
        )
        self.n += 1

    def alerts(self) -> bool:
        lat = latency_windows(self.window, POLICY, now=self.t)
        obs = Observation(EMPTY, {}, np.zeros(0), 0.5, latencies=lat)
        return any(f.name == "HighLatency" for f in detect(obs, self.base, POLICY))


def _healthy_alerts(seed: int, rate: float, seconds: float = 300.0) -> tuple[int, int]:
    """(evaluations that alerted, evaluations) over ``seconds`` of healthy traffic."""
    traffic = Traffic(np.random.default_rng(seed), rate)
    alerted = judged = quiet = 0
    next_at = EVERY
    while traffic.t < seconds:
        traffic.call()
        if traffic.t >= next_at and traffic.n >= POLICY.min_requests:
            next_at = traffic.t + EVERY
            fast, _ = latency_windows(traffic.window, POLICY, now=traffic.t)
            quiet += (
                fast.size == POLICY.min_requests
                and traffic.window.latencies(
                    since=traffic.t - POLICY.fast_window.total_seconds()
                ).size
                < POLICY.min_requests
            )
            alerted += traffic.alerts()
            judged += 1
    assert quiet > 0.9 * judged  # what is judged is the quiet fallback
    return alerted, judged


def test_healthy_latency_at_low_traffic_never_alerts() -> None:
    """Measured: 0 alerts in 1,000 seeds of 5 minutes at 1 request/s, 47,423 evaluations
    (below 0.3 % per seed and 0.007 % per evaluation at 95 % confidence; evaluations 5 s
    apart share most of their calls), with 0.9 % of calls past the line; and 0 in 200 seeds
    of 10 minutes at 0.2 requests/s (10,176 evaluations, confirmation on the last 50 calls)."""
    totals = [_healthy_alerts(seed, 1.0) for seed in range(SEEDS)]
    assert sum(judged for _, judged in totals) > 40 * SEEDS
    assert sum(alerted for alerted, _ in totals) == 0
    quiet = [_healthy_alerts(seed, 0.2, seconds=600.0) for seed in range(200)]
    assert sum(alerted for alerted, _ in quiet) == 0


def _calls_to_alert(seed: int, rate: float, extra_ms: float, limit: int = 100) -> int | None:
    """Slow calls served before the first alert, after 5 healthy minutes (None: none)."""
    traffic = Traffic(np.random.default_rng(seed), rate)
    while traffic.t < 300.0:
        traffic.call()
    assert not traffic.alerts()
    for slow in range(1, limit + 1):
        traffic.call(extra_ms)
        if traffic.alerts():
            return slow
    return None


def test_latency_regression_at_one_request_per_second_alerts() -> None:
    """+300 ms at 1 request/s alerts in every seed after 9 to 20 slow calls: 9 of the last 20
    past the line is the least the binomial test at 10⁻⁶ accepts, and the 60 s confirmation
    window (about 60 calls) needs about 15. Measured over 200 seeds: median 14 calls, 11-17;
    at 0.2 requests/s (confirmation on the last 50 calls, 50 seeds): median 13, 9-13. Before
    the quiet fallback it never alerted (10 calls in the 10 s window, 20 needed)."""
    calls = [_calls_to_alert(seed, 1.0, 300.0) for seed in range(200)]
    assert all(c is not None and 9 <= c <= 20 for c in calls), calls
    quiet = [_calls_to_alert(seed, 0.2, 300.0) for seed in range(50)]
    assert all(c is not None and 9 <= c <= 20 for c in quiet), quiet
