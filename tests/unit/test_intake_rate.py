"""The recent intake rate the worker watches for alert storms."""

from __future__ import annotations

import time

from warroom.alerts.rate import IntakeRate


def test_rate_counts_only_the_window() -> None:
    rate = IntakeRate(window=0.2)
    assert rate.per_second() == 0
    rate.add(100)
    rate.add(50)
    assert rate.per_second() == 750  # 150 alerts over 0.2 s
    time.sleep(0.25)  # the window passed (no threshold on time: only that it has passed)
    assert rate.per_second() == 0
    rate.add(10)
    assert rate.per_second() == 50
