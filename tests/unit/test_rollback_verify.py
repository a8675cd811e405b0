"""Rollback verification judged fairly: a healthy target with a normal background error rate
passes, a broken one fails, too little traffic is inconclusive. Measured over many seeds."""

from __future__ import annotations

import numpy as np

from warroom.playbook.schema import Verification
from warroom.rollback.verify import Observation, Rules, judge

POLICY = Verification()
RULES = Rules(
    criteria=[c.model_dump() for c in POLICY.criteria],
    min_requests=POLICY.min_requests,
    alpha=POLICY.alpha,
    tolerance=POLICY.tolerance,
)
SEEDS = 2000


def counts(rng: np.random.Generator, n: int, rate: float) -> Observation:
    errors = int(rng.binomial(n, rate))
    values = {"error_rate": errors / n, "availability": 1 - errors / n, "latency_p95_ms": 20.0}
    return Observation(requests=n, values=values, errors=errors)


def fail_rate(rate_before: float, rate_after: float, *, with_baseline: bool) -> float:
    failed = 0
    for seed in range(SEEDS):
        rng = np.random.default_rng(seed)
        after = counts(rng, int(rng.integers(50, 600)), rate_after)
        base = counts(rng, int(rng.integers(200, 5000)), rate_before) if with_baseline else None
        outcome = judge(after, RULES, base)
        assert outcome.enough
        failed += not outcome.passed
    return failed / SEEDS


def test_a_healthy_target_with_one_percent_errors_passes() -> None:
    # False-failure rate measured: 0 of 2000 with a baseline, 0 of 2000 without.
    assert fail_rate(0.01, 0.01, with_baseline=True) <= 0.002
    assert fail_rate(0.01, 0.01, with_baseline=False) <= 0.002


def test_the_old_point_estimate_failed_about_half_of_healthy_targets() -> None:
    # availability > 0.99 over one window, as verification used to judge: for contrast.
    rng = np.random.default_rng(0)
    failed = sum(counts(rng, 100, 0.01).values["availability"] <= 0.99 for _ in range(SEEDS))
    assert failed / SEEDS > 0.2


def test_a_broken_target_fails() -> None:
    assert fail_rate(0.01, 0.15, with_baseline=True) >= 0.95
    assert fail_rate(0.01, 0.15, with_baseline=False) >= 0.95
    assert fail_rate(0.0, 1.0, with_baseline=False) == 1.0


def test_the_result_says_what_was_compared() -> None:
    base = Observation(requests=1000, values={}, errors=10)
    after = Observation(
        requests=200, values={"error_rate": 0.015, "latency_p95_ms": 30.0}, errors=3
    )
    outcome = judge(after, RULES, base)
    assert outcome.passed
    assert outcome.results["compared"] == (
        "error rate 1.50% of 200 requests after the switch vs its own baseline 1.00% of "
        "1000 requests before"
    )
    (errors,) = [c for c in outcome.results["checks"] if c["metric"] == "error_rate"]
    assert errors["baseline"] == 0.01 and errors["baseline_requests"] == 1000


def test_too_little_traffic_is_not_enough_to_judge() -> None:
    after = Observation(requests=12, values={"error_rate": 0.0}, errors=0)
    outcome = judge(after, RULES, None)
    assert not outcome.enough and not outcome.passed
    assert outcome.results["min_requests"] == 50


def test_a_short_baseline_falls_back_to_the_limits() -> None:
    base = Observation(requests=10, values={}, errors=0)
    after = Observation(requests=400, values={"error_rate": 0.0}, errors=0)
    outcome = judge(after, RULES, base)
    assert outcome.passed and "vs the limit 5.00%" in outcome.results["compared"]


def test_a_target_as_slow_as_before_is_at_its_own_normal() -> None:
    base = Observation(requests=1000, values={"latency_p95_ms": 260.0}, errors=5)
    same = Observation(requests=200, values={"latency_p95_ms": 280.0}, errors=1)
    outcome = judge(same, RULES, base)
    assert outcome.passed
    (latency,) = [c for c in outcome.results["checks"] if c["metric"] == "latency_p95_ms"]
    assert latency["baseline"] == 260.0
    slower = Observation(requests=200, values={"latency_p95_ms": 900.0}, errors=1)
    assert not judge(slower, RULES, base).passed
    assert not judge(same, RULES, None).passed  # no baseline: the 200 ms criterion holds
