"""Multiwindow, multi-burn-rate SLO alerts (Google SRE workbook, chapter 5).

An alert fires when the error budget burns faster than ``factor`` over both a long and a
short window: e.g. 14.4x over 1 h and 5 min (2 % of a 30-day budget in an hour), 6x over 6 h
and 30 min. The short window makes the alert stop soon after the burning stops.

Each window's rate is judged by the lower bound of its Wilson interval (at ``z``), so that a
young or quiet service with a few requests in its windows (2 errors in 20 at a 1 % background
rate) does not look like it burns 10x.
"""

from __future__ import annotations

from dataclasses import dataclass

from warroom.detect.stats import wilson_interval


@dataclass(frozen=True)
class BurnWindow:
    long_seconds: float
    short_seconds: float
    factor: float


@dataclass(frozen=True)
class Burn:
    window: BurnWindow
    long_rate: float
    short_rate: float
    firing: bool


def burn_rate(errors: int, requests: int, *, slo: float) -> float:
    """How many times faster than the SLO allows the error budget is being spent."""
    if requests == 0:
        return 0.0
    return (errors / requests) / (1 - slo)


def evaluate(
    windows: list[BurnWindow],
    counts: dict[float, tuple[int, int]],
    *,
    slo: float,
    min_requests: int,
    z: float = 0.0,
) -> list[Burn]:
    """``counts`` maps a window length in seconds to (requests, errors) over it; with ``z``
    a window burns when the lower bound of its error rate does."""
    out = []
    budget = 1 - slo
    for w in windows:
        long_req, long_err = counts[w.long_seconds]
        short_req, short_err = counts[w.short_seconds]
        long_rate = burn_rate(long_err, long_req, slo=slo)
        short_rate = burn_rate(short_err, short_req, slo=slo)
        long_low = wilson_interval(long_err, long_req, z)[0] / budget if z else long_rate
        short_low = wilson_interval(short_err, short_req, z)[0] / budget if z else short_rate
        firing = short_req >= min_requests and long_low > w.factor and short_low > w.factor
        out.append(Burn(w, long_rate, short_rate, firing))
    return out
