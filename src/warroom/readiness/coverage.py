"""On-call coverage over a horizon: pure, exact, without sampling.

Who is on call (``warroom.oncall.schedules.on_call``) can only change where a schedule's
wall-clock time crosses a layer's start, handoff, end or day/hour restriction edge, or an
override's start or end, or where the zone's offset jumps (DST). Between two such instants
the answer is constant, so evaluating ``on_call`` once at each of them finds every gap
exactly. A wall-clock instant maps to up to two real instants (a repeated hour when clocks go
back); both are boundaries, and a wall-clock time that does not exist (clocks go forward) is
crossed at the jump itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from warroom.oncall.schedules import on_call
from warroom.playbook.oncall import Layer, Schedule

# Offsets change at most a few times a year; probing every 6 hours cannot miss one.
_PROBE = timedelta(hours=6)


@dataclass(frozen=True)
class Gap:
    start: datetime
    end: datetime


def gaps(schedule: Schedule, start: datetime, end: datetime) -> list[Gap]:
    """The spans of [start, end) when nobody is on call (aware datetimes)."""
    points = sorted({p for p in boundaries(schedule, start, end) if start < p < end} | {start})
    found: list[Gap] = []
    for left, right in zip(points, [*points[1:], end], strict=True):
        if on_call(schedule, left) is not None:
            continue
        if found and found[-1].end == left:
            found[-1] = Gap(found[-1].start, right)
        else:
            found.append(Gap(left, right))
    return found


def boundaries(schedule: Schedule, start: datetime, end: datetime) -> set[datetime]:
    """Every instant in the span where the person on call may change."""
    zone = ZoneInfo(schedule.timezone)
    # One day of slack on each side: a wall-clock time is at most a day from its instant.
    lo, hi = _wall(start, zone) - timedelta(days=1), _wall(end, zone) + timedelta(days=1)
    walls: list[datetime] = []
    for layer in schedule.layers:
        walls += _layer_walls(layer, zone, lo, hi)
    for override in schedule.overrides:
        walls += [_wall(override.start, zone), _wall(override.end, zone)]
    instants = {_instant(w, zone, fold) for w in walls for fold in (0, 1)}
    return instants | set(offset_changes(zone, start, end))


def offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants in [start, end] where the zone's UTC offset changes (DST), to the second."""
    found = []
    t = start
    while t < end:
        nxt = min(t + _PROBE, end)
        if _offset(zone, t) != _offset(zone, nxt):
            found.append(_bisect(zone, t, nxt))
        t = nxt
    return found


def _layer_walls(layer: Layer, zone: ZoneInfo, lo: datetime, hi: datetime) -> list[datetime]:
    """Wall-clock instants where a layer may change: start, handoffs, end, and for a layer
    restricted to some days or hours, every local midnight and every edge of its hours."""
    walls = _handoffs(_wall(layer.start, zone), layer.shift, lo, hi)
    if layer.end is not None:
        walls.append(_wall(layer.end, zone))
    if layer.days is None and layer.hours is None:
        return walls
    edges = [time(0)]
    if layer.hours is not None:
        edges += [time.fromisoformat(t) for t in layer.hours.split("-") if t != "24:00"]
    day = lo.date()
    while day <= hi.date():
        walls += [datetime.combine(day, t) for t in edges]
        day += timedelta(days=1)
    return walls


def _handoffs(first: datetime, shift: timedelta, lo: datetime, hi: datetime) -> list[datetime]:
    """Wall-clock layer start and handoffs (``first + k * shift``) between lo and hi."""
    if shift <= timedelta(0):
        return [first]
    k_lo = max(0, math.floor((lo - first) / shift))
    k_hi = math.ceil((hi - first) / shift)
    return [first] + [first + k * shift for k in range(max(k_lo, 1), k_hi + 1)]


def _bisect(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first whole second with the new offset (zones change offset on whole seconds)."""
    old = _offset(zone, before)
    lo, hi = math.floor(before.timestamp()), math.ceil(after.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(zone, datetime.fromtimestamp(mid, UTC)) == old:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def _offset(zone: ZoneInfo, at: datetime) -> timedelta | None:
    return at.astimezone(zone).utcoffset()


def _wall(value: datetime, zone: ZoneInfo) -> datetime:
    """Wall-clock time in the zone, naive (naive config times already are)."""
    return value if value.tzinfo is None else value.astimezone(zone).replace(tzinfo=None)


def _instant(wall: datetime, zone: ZoneInfo, fold: int) -> datetime:
    return wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
