"""Who is on call: pure functions over a schedule and an instant (or a span, for calendars)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from warroom.playbook.oncall import WEEKDAYS, Layer, Schedule


@dataclass(frozen=True)
class Shift:
    """A span (UTC) during which one person is on call for a schedule."""

    person: str
    start: datetime
    end: datetime


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    """Wall-clock time in the schedule's zone (naive config times are already local)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(zone).replace(tzinfo=None)


def _instant(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time (the earlier one when DST repeats it)."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def _hours(spec: str) -> tuple[time | None, time | None]:
    lo, hi = spec.split("-")
    start = time.fromisoformat(lo)
    return start, None if hi == "24:00" else time.fromisoformat(hi)


def _within(layer: Layer, here: datetime) -> bool:
    """Does the layer's days/hours restriction cover local time ``here``?"""
    if layer.days is not None and WEEKDAYS[here.weekday()] not in layer.days:
        return False
    if layer.hours is None:
        return True
    lo, hi = _hours(layer.hours)
    now = here.time()
    assert lo is not None
    if hi is None:
        return now >= lo
    return lo <= now < hi if lo < hi else now >= lo or now < hi


def layer_member(layer: Layer, at: datetime, zone: ZoneInfo) -> str | None:
    """The member whose shift covers ``at``; None outside the layer's span or restriction.

    Shifts are counted in wall-clock time, so a 09:00 handoff stays at 09:00 across DST.
    """
    here = _local(at, zone)
    elapsed = here - _local(layer.start, zone)
    if elapsed < timedelta(0) or (layer.end is not None and here >= _local(layer.end, zone)):
        return None
    if not _within(layer, here):
        return None
    turn = int(elapsed // layer.shift)
    return layer.members[turn % len(layer.members)]


def on_call(schedule: Schedule, at: datetime) -> str | None:
    """The person on call at ``at``: the newest covering override, else the last layer that
    has someone."""
    zone = ZoneInfo(schedule.timezone)
    here = _local(at, zone)
    for override in reversed(schedule.overrides):
        if _local(override.start, zone) <= here < _local(override.end, zone):
            return override.person
    for layer in reversed(schedule.layers):
        member = layer_member(layer, at, zone)
        if member is not None:
            return member
    return None


def _layer_edges(layer: Layer, zone: ZoneInfo, lo: datetime, hi: datetime) -> set[datetime]:
    """Local wall-clock instants in [lo, hi] where this layer may change hands."""
    first = _local(layer.start, zone)
    edges = {first}
    if layer.end is not None:
        edges.add(_local(layer.end, zone))
    skipped = max(0, int((lo - first) // layer.shift))
    handoff = first + layer.shift * skipped
    while handoff <= hi:
        edges.add(handoff)
        handoff += layer.shift
    if layer.days is not None or layer.hours is not None:
        day = datetime.combine(lo.date(), time())
        while day <= hi:
            edges.add(day)
            if layer.hours is not None:
                edges.update(
                    day.replace(hour=t.hour, minute=t.minute) for t in _hours(layer.hours) if t
                )
            day += timedelta(days=1)
    return edges


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """Who is on call from ``start`` to ``end`` (aware), as contiguous shifts in UTC.

    Evaluates ``on_call`` at every instant where the answer can change (handoffs, restriction
    edges, overrides), so a calendar always agrees with ``on_call``.
    """
    zone = ZoneInfo(schedule.timezone)
    lo, hi = _local(start, zone), _local(end, zone)
    local_edges: set[datetime] = set()
    for layer in schedule.layers:
        local_edges |= _layer_edges(layer, zone, lo, hi)
    for override in schedule.overrides:
        local_edges |= {_local(override.start, zone), _local(override.end, zone)}
    instants = {_instant(e, zone) for e in local_edges}
    points = sorted(
        {start.astimezone(UTC), end.astimezone(UTC)} | {i for i in instants if start < i < end}
    )
    out: list[Shift] = []
    for begin, finish in zip(points, points[1:], strict=False):
        person = on_call(schedule, begin)
        if person is None:
            continue
        if out and out[-1].person == person and out[-1].end == begin:
            out[-1] = Shift(person, out[-1].start, finish)
        else:
            out.append(Shift(person, begin, finish))
    return out
