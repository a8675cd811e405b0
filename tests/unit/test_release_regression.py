"""A regression candidate's canary judgement over many seeds: the false-abort rate when the
candidate is as good as the stable version, and the power against one whose mean absolute
error is half as large again (errors on the step's requests joined to their true values)."""

from __future__ import annotations

import numpy as np

from warroom.releases.analysis import Criteria, Sample, canary, regression_error

SEEDS = 2000
C = Criteria()


def errors(rng: np.random.Generator, n: int, scale: float, *, heavy: bool) -> np.ndarray:
    """Answer - true value: normal, or heavy-tailed (Student t, 3 degrees of freedom)."""
    return scale * (rng.standard_t(3, n) if heavy else rng.normal(0, 1, n))


def verdicts(n: int, worse: float, *, heavy: bool = False, seeds: int = SEEDS) -> dict[str, int]:
    counts = {"pass": 0, "fail": 0, "inconclusive": 0}
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        stable = errors(rng, n, 5.0, heavy=heavy)
        cand = errors(rng, n, 5.0 * worse, heavy=heavy)
        counts[regression_error(cand, stable, C).verdict] += 1
    return counts


def test_as_good_a_candidate_is_never_failed_over_many_seeds() -> None:
    """False-abort rate 0 of 2000 seeds at each sample size, normal and heavy-tailed errors."""
    for n in (100, 400, 1000):
        for heavy in (False, True):
            counts = verdicts(n, 1.0, heavy=heavy)
            assert counts["fail"] == 0, (n, heavy, counts)
    # With enough true values, the same candidate passes (not only "not failed").
    assert verdicts(1000, 1.0)["pass"] >= 0.95 * SEEDS


def test_a_candidate_half_as_bad_again_is_failed() -> None:
    """Power against MAE +50 %: at least 95 % of seeds fail on 400 true values per version,
    and none passes on 100."""
    assert verdicts(400, 1.5, seeds=500)["fail"] >= 0.95 * 500
    assert verdicts(100, 1.5, seeds=500)["pass"] == 0


def test_too_few_values_is_inconclusive_and_none_is_skipped() -> None:
    rng = np.random.default_rng(1)
    few = regression_error(rng.normal(0, 9, 50), rng.normal(0, 1, 50), C)
    assert few.verdict == "inconclusive" and few.figures["candidate_values"] == 50
    assert regression_error(np.empty(0), rng.normal(0, 1, 500), C).verdict == "skipped"


def test_the_canary_judgement_shows_the_figures() -> None:
    rng = np.random.default_rng(7)
    lat = rng.normal(20, 2, 400)

    def sample(scale: float) -> Sample:
        return Sample(400, 0, lat, np.empty(0), value_errors=rng.normal(0, scale, 400))

    judged = canary(sample(15.0), sample(5.0), C)
    assert judged.verdict == "fail"
    [failed] = judged.failed
    assert failed.name == "regression_error" and "vs stable" in failed.summary
    checks = {c["name"]: c for c in judged.as_dict()["checks"]}
    figures = checks["regression_error"]["figures"]
    assert figures["candidate_mae"] > 2 * figures["stable_mae"]
    assert figures["increase_lower_bound"] > 0
    assert checks["accuracy"]["verdict"] == "skipped"  # a regression model has no classes
    assert judged.metrics()["regression_error_mae_increase_pct"] > 1
