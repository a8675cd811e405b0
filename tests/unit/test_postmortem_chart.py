"""The postmortem chart's time axis: it spans the incident, with readable ticks, whatever
the incident's length, and the data fills the width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.postmortem import charts
from warroom.postmortem.facts import Milestone, Sample

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def samples(seconds: int, step: int) -> list[Sample]:
    return [
        Sample(at=T0 + timedelta(seconds=s), name=name, value=value, source="gateway", version="v2")
        for s in range(0, seconds + 1, step)
        for name, value in (("error_rate", 0.3), ("latency_p95_ms", 80.0))
    ]


@pytest.mark.parametrize(
    ("seconds", "step"),
    [(25, 1), (90, 1), (20 * 60, 10), (5 * 3600, 60), (3 * 86400, 900)],
)
def test_ticks_are_distinct_and_the_data_fills_the_width(seconds: int, step: int) -> None:
    end = T0 + timedelta(seconds=seconds)
    milestones = [Milestone("detected", T0), Milestone("resolved", end)]
    fig = charts.figure(
        title="t", samples=samples(seconds, step), milestones=milestones, start=T0, end=end
    )
    fig.canvas.draw()
    ax = fig.axes[-1]
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(labels) >= 3 and len(set(labels)) == len(labels), labels
    lo, hi = ax.get_xlim()
    series = [line for line in ax.get_lines() if len(line.get_xdata()) > 2]  # not milestones
    data = [float(x) for line in series for x in line.get_xdata(orig=False)]
    width = (max(data) - min(data)) / (hi - lo)
    assert width >= 0.85, width  # the incident spans the axis, with a thin margin
    assert lo <= min(data) and max(data) <= hi


def test_an_incident_without_samples_still_spans_its_own_time() -> None:
    end = T0 + timedelta(seconds=40)
    first, last = charts.span(T0, end, [], [Milestone("detected", T0)])
    assert first < T0 and end < last
    assert (end - T0) / (last - first) >= 0.85
    png = charts.render_png(title="t", samples=[], milestones=[], start=T0, end=end)
    assert png.startswith(b"\x89PNG")
