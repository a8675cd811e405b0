"""The postmortem chart: error rate and latency across the incident, with its milestones."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import datetime, timedelta

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
    """The incident window with a margin of a tenth of its length (at least a minute)."""
    margin = max((end - start) / 10, timedelta(minutes=1))
    return start - margin, end + margin


def render_png(
    *,
    title: str,
    samples: list[Sample],
    milestones: list[Milestone],
    start: datetime,
    end: datetime,
) -> bytes:
    """A PNG of the metric panels over [start, end] with a vertical line per milestone."""
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
    axes[-1].set_xlim(start, end)
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M"))
    axes[-1].set_xlabel("time (UTC)")
    fig.suptitle(title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
