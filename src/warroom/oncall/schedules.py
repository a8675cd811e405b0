"""Who is on call: pure functions over a schedule and an instant."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from warroom.oncall.schema import Layer, Schedule


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    """Wall-clock time in the schedule's zone (naive config times are already local)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(zone).replace(tzinfo=None)


def layer_member(layer: Layer, at: datetime, zone: ZoneInfo) -> str | None:
    """The member whose shift covers ``at``; None before the rotation starts.

    Shifts are counted in wall-clock time, so a 09:00 handoff stays at 09:00 across DST.
    """
    elapsed = _local(at, zone) - _local(layer.start, zone)
    if elapsed < timedelta(0):
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
