"""Release judgements over many seeds: how often a healthy candidate is wrongly failed (the
false-abort rate, stated), and that bad ones are failed on a small sample."""

from __future__ import annotations

import numpy as np

from warroom.releases.analysis import Criteria, Paired, Sample, canary, shadow, switched

C = Criteria(min_requests=100, fail_requests=20, alpha=1e-6)
SEEDS = 300


def traffic(
    rng: np.random.Generator,
    n: int,
    *,
    error_rate: float = 0.01,
    latency: float = 10.0,
    accuracy: float = 0.92,
    labels: int = 0,
    shift: float = 0.0,
) -> Sample:
    errors = int((rng.random(n) < error_rate).sum())
    probabilities = np.clip(rng.beta(2, 2, n - errors) + shift, 0, 1)
    correct = int((rng.random(labels) < accuracy).sum())
    return Sample(
        requests=n,
        errors=errors,
        latencies=rng.gamma(4.0, latency / 4.0, n - errors),
        probabilities=probabilities,
        labels=labels,
        correct=correct,
    )


def test_healthy_candidate_is_never_failed_over_many_seeds() -> None:
    """False-abort rate of one judgement on same-distribution traffic: 0 in 300 seeds (the
    detectors' alpha of 1e-6 per check; a release judges each step about once a second)."""
    fails = 0
    for seed in range(SEEDS):
        rng = np.random.default_rng(seed)
        cand = traffic(rng, 300, labels=150)
        stable = traffic(rng, 2700, labels=1000)
        fails += canary(cand, stable, C).verdict == "fail"
    assert fails == 0


def test_bad_candidates_fail_on_a_small_sample() -> None:
    caught = {"errors": 0, "latency": 0, "accuracy": 0, "drift": 0}
    for seed in range(50):
        rng = np.random.default_rng(seed)
        stable = traffic(rng, 2000, labels=500)
        bad = {
            "errors": traffic(rng, 100, error_rate=0.3),
            "latency": traffic(rng, 100, latency=60.0),
            "accuracy": traffic(rng, 400, accuracy=0.72, labels=400),
            "drift": traffic(rng, 300, shift=0.3),
        }
        for name, cand in bad.items():
            judged = canary(cand, stable, C)
            caught[name] += judged.verdict == "fail" and name in {c.name for c in judged.failed}
    assert caught == {"errors": 50, "latency": 50, "accuracy": 50, "drift": 50}


def test_too_few_requests_is_inconclusive_not_pass() -> None:
    rng = np.random.default_rng(1)
    judged = canary(traffic(rng, 50), traffic(rng, 500), C)
    assert judged.verdict == "inconclusive"
    assert judged.as_dict()["checks"][0]["figures"]["candidate_requests"] == 50


def paired(rng: np.random.Generator, n: int, *, flip: float = 0.0) -> Paired:
    p = rng.beta(2, 2, n)
    q = np.clip(p + rng.normal(0, 0.01, n), 0, 1)
    swap = rng.random(n) < flip
    q[swap] = 1 - q[swap]
    return Paired(
        requests=n,
        served_errors=0,
        candidate_errors=0,
        served_latencies=rng.gamma(4, 2.5, n),
        candidate_latencies=rng.gamma(4, 2.5, n),
        served_predicted=(p >= 0.5).astype(int),
        candidate_predicted=(q >= 0.5).astype(int),
        served_probabilities=p,
        candidate_probabilities=q,
    )


def test_shadow_agreement_false_alarms_and_power() -> None:
    """A retrained twin (decisions differ near 0.5 only) passes in 300 of 300 seeds; a
    candidate that answers the opposite on 30 % of requests fails in all of them."""
    twins = sum(
        shadow(paired(np.random.default_rng(s), 400), C).verdict == "fail" for s in range(SEEDS)
    )
    bad = sum(
        shadow(paired(np.random.default_rng(s), 100, flip=0.3), C).verdict == "fail"
        for s in range(SEEDS)
    )
    assert (twins, bad) == (0, SEEDS)


def test_accuracy_passes_only_once_the_labels_can_tell() -> None:
    """A 25-point drop on 57 labels is not significant at the detectors' alpha, but neither
    can 57 labels vouch that the drop is within 5 points: inconclusive, so the step waits
    for more labels instead of passing (found live by bench/release.py)."""
    rng = np.random.default_rng(3)
    stable = traffic(rng, 2000, accuracy=0.957, labels=500)
    few = Sample(requests=60, errors=0, latencies=stable.latencies[:60],
                 probabilities=stable.probabilities[:60], labels=57, correct=40)  # fmt: skip
    check = next(c for c in canary(few, stable, C).checks if c.name == "accuracy")
    assert check.verdict in ("inconclusive", "fail")
    twin = traffic(rng, 400, accuracy=0.957, labels=400)
    check = next(c for c in canary(twin, stable, C).checks if c.name == "accuracy")
    assert check.verdict == "pass", check


def test_a_switch_with_few_previous_figures_is_judged_against_an_error_free_version() -> None:
    """A one-switch release keeps the figures taken before the switch: when they are fewer
    than ``min_requests`` (but more than ``fail_requests``), the candidate is still judged,
    as the only side that grows, instead of staying inconclusive for ever."""
    c = Criteria(min_requests=40, fail_requests=20)
    before = {"error_rate": 0.0, "latency_p95_ms": 0.5}
    healthy = switched(5000, {"error_rate": 0.0, "latency_p95_ms": 0.6}, 30, before, c)
    assert healthy.verdict == "pass", healthy
    failing = switched(5000, {"error_rate": 0.5, "latency_p95_ms": 0.6}, 30, before, c)
    assert failing.verdict == "fail", failing
    early = switched(10, {"error_rate": 0.0, "latency_p95_ms": 0.6}, 30, before, c)
    assert early.verdict == "inconclusive", early
