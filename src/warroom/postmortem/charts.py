"""The postmortem chart: error rate and latency across the incident, with its milestones."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: servers and CI render to memory

import matplotlib.dates as mdates  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from warroom.postmortem.facts import Milestone, Sample  # noqa: E402

PANELS = (("error_rate", "error rate"), ("latency_p95_ms", "latency p95 (ms)"))
# Series colours stay clear of the marker colours, and a series keeps its colour in every panel.
SERIES_COLOURS = ("tab:blue", "tab:gray", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")
MARKER_COLOURS = {
    "detected": "tab:red",
    "acknowledged": "tab:orange",
    "resolved": "tab:green",
}


def _key(sample: Sample) -> str:
    return sample.source + (f" {sample.version}" if sample.version else "")


def window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Where to look for samples: the incident with a margin of a tenth of its length (at
    least a minute), so the minutes before it show the baseline."""
    margin = max((end - start) / 10, timedelta(minutes=1))
    return start - margin, end + margin


def span(
    start: datetime, end: datetime, samples: list[Sample], milestones: list[Milestone]
) -> tuple[datetime, datetime]:
    """The chart's time axis: the incident and everything drawn on it (samples recorded,
    milestones), with a margin of 4 % of that length (at least 2 s), so the data fills the
    width however short the incident was."""
    times = [start, end, *(s.at for s in samples), *(m.at for m in milestones)]
    first, last = min(times), max(times)
    margin = max((last - first) / 25, timedelta(seconds=2))
    return first - margin, last + margin


def render_png(
    *,
    title: str,
    samples: list[Sample],
    milestones: list[Milestone],
    start: datetime,
    end: datetime,
) -> bytes:
    """A PNG of the metric panels over the incident with a vertical line per milestone."""
    fig = figure(title=title, samples=samples, milestones=milestones, start=start, end=end)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def figure(
    *,
    title: str,
    samples: list[Sample],
    milestones: list[Milestone],
    start: datetime,
    end: datetime,
) -> Figure:
    """The chart (see :func:`render_png`): ``start`` and ``end`` are the incident's."""
    fig = Figure(figsize=(10, 6), dpi=100, layout="constrained")
    axes = fig.subplots(len(PANELS), 1, sharex=True)
    keys = sorted({_key(s) for s in samples})
    colour = {k: SERIES_COLOURS[i % len(SERIES_COLOURS)] for i, k in enumerate(keys)}
    for ax, (name, label) in zip(axes, PANELS, strict=True):
        series: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
        for s in samples:
            if s.name == name:
                series[_key(s)].append((s.at, s.value))
        for key, points in sorted(series.items()):
            points.sort()
            ax.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                marker=".",
                linewidth=1.5,
                label=key,
                color=colour[key],
            )
        if not series:
            ax.text(0.5, 0.5, f"no {name} samples recorded", transform=ax.transAxes, ha="center")
        for m in milestones:
            ax.axvline(
                m.at, color=MARKER_COLOURS.get(m.label, "tab:purple"), linestyle="--", linewidth=1.2
            )
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        if series:
            ax.legend(loc="best", fontsize="small")
    for m in milestones:
        axes[0].annotate(
            m.label,
            xy=(mdates.date2num(m.at), 1.0),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="right",
            fontsize="small",
            color=MARKER_COLOURS.get(m.label, "tab:purple"),
        )
    _time_axis(axes[-1], *span(start, end, samples, milestones))
    fig.suptitle(title)
    return fig


# Tick label by the spacing of the ticks (in days): every label is a different time.
TICK_FORMATS = {
    30.0: "%Y-%m-%d",
    1.0: "%m-%d",
    1 / 24: "%m-%d %H:%M",
    1 / 1440: "%H:%M",
    1 / 86400: "%H:%M:%S",
}


def _time_axis(ax: Any, first: datetime, last: datetime) -> None:
    """Ticks at round times that suit the span (seconds for a short incident, hours or days
    for a long one), no two labelled alike, the date in the axis label."""
    ax.set_xlim(first, last)
    locator = mdates.AutoDateLocator(tz=UTC, minticks=4, maxticks=9)
    formatter = mdates.AutoDateFormatter(locator, tz=UTC)
    formatter.scaled = dict(TICK_FORMATS)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)
    day = first.strftime("%Y-%m-%d")
    to = "" if last.date() == first.date() else f" to {last:%Y-%m-%d}"
    ax.set_xlabel(f"time (UTC), {day}{to}")
