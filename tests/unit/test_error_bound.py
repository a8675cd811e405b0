"""The error bound automatic rollback judges grows with the fault's evidence, not the
machine's speed: a slow or busy service is judged on its last requests, not only on the
few of its fast window."""

from __future__ import annotations

import numpy as np

from warroom.detect.detectors import Observation, detect
from warroom.detect.windows import OutcomeWindow, Stats
from warroom.playbook.schema import DetectionPolicy

POLICY = DetectionPolicy()
# No burn-rate history: only the fast window and the last requests judge.
COUNTS = {d.total_seconds(): (0, 0) for w in POLICY.burn_windows for d in (w.long, w.short)}


def stats(errors: int, count: int) -> Stats:
    window = OutcomeWindow(capacity=1000)
    for i in range(count):
        window.add(
            at=float(i), ok=i >= errors, latency_ms=1.0, probability=0.9, predicted=1, request=i
        )
    return window.stats()


def bound(obs: Observation) -> float:
    (finding,) = detect(obs, None, POLICY)
    return finding.metrics["error_rate_lower_bound"]


def test_sixty_percent_errors_pass_the_rollback_line_once_enough_requests_show_them() -> None:
    fast = stats(18, 30)  # 60 % of the 30 requests of a busy machine's fast window
    alone = Observation(fast, COUNTS, np.zeros(0), 0.5)
    assert bound(alone) < 0.5  # too few requests to be sure the rate is above 50 %
    recent = (stats(60, 100), stats(150, 250), stats(300, 500))
    assert bound(Observation(fast, COUNTS, np.zeros(0), 0.5, recent=recent)) > 0.5


def test_healthy_requests_before_the_fault_keep_the_bound_honest() -> None:
    fast = stats(18, 30)
    diluted = (stats(60, 100), stats(60, 250), stats(60, 500))  # the fault's first 100
    assert bound(Observation(fast, COUNTS, np.zeros(0), 0.5, recent=diluted)) < 0.5
