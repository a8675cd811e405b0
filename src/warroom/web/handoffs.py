"""The next on-call handoffs of a schedule: pure, over the schedule and an instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from warroom.oncall.schedules import on_call
from warroom.playbook.oncall import Schedule


@dataclass(frozen=True)
class Handoff:
    at: datetime
    person: str | None


def _wall(value: datetime, zone: ZoneInfo) -> datetime:
    return value if value.tzinfo is None else value.astimezone(zone).replace(tzinfo=None)


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _boundaries(schedule: Schedule, now: datetime, until: datetime) -> set[datetime]:
    """Every instant in (now, until] where a layer turns over or an override starts or ends."""
    zone = ZoneInfo(schedule.timezone)
    here, end = _wall(now, zone), _wall(until, zone)
    out: set[datetime] = set()
    for layer in schedule.layers:
        start = _wall(layer.start, zone)
        turn = 0 if here < start else int((here - start) // layer.shift) + 1
        at = start + turn * layer.shift
        while at <= end:
            out.add(_instant(at, zone))
            turn += 1
            at = start + turn * layer.shift
    for override in schedule.overrides:
        for edge in (override.start, override.end):
            out.add(_instant(_wall(edge, zone), zone))
    return {b for b in out if now < b <= until}


def next_handoffs(
    schedule: Schedule, now: datetime, *, count: int = 3, horizon: timedelta = timedelta(days=60)
) -> list[Handoff]:
    """The next ``count`` times the person on call changes, within ``horizon``."""
    current = on_call(schedule, now)
    out: list[Handoff] = []
    for at in sorted(_boundaries(schedule, now, now + horizon)):
        person = on_call(schedule, at)
        if person != current:
            out.append(Handoff(at=at, person=person))
            current = person
            if len(out) == count:
                break
    return out
