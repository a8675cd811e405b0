"""iCalendar export of a team's on-call schedules: one VEVENT per shift, times in UTC.

UTC (``...Z``) rather than TZID: every calendar program shows it in the reader's own zone,
and the instants are exactly those ``on_call`` answers for, across DST changes. A shift
that runs past the window's end is cut at the end; a re-export gives the same UIDs for the
same shifts, so a calendar that re-imports updates events instead of duplicating them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

import warroom
from warroom.errors import NotFound
from warroom.oncall.schedules import shifts
from warroom.playbook.oncall import Oncall


def team_calendar(
    oncall: Oncall, team_name: str, *, start: datetime, days: int, now: datetime
) -> bytes:
    """The team's on-call shifts from ``start`` for ``days`` days, as an .ics file."""
    team = oncall.team(team_name)
    if team is None:
        known = ", ".join(t.name for t in oncall.teams) or "none"
        raise NotFound(f"team {team_name!r} is not in the playbook (teams: {known})")
    calendar = Calendar()
    calendar.add("prodid", f"-//warroom {warroom.__version__}//on-call//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{team.name} on call")
    end = start + timedelta(days=days)
    for role, schedule_name in team.oncall.items():
        schedule = oncall.schedule(schedule_name)
        if schedule is None:
            continue
        for shift in shifts(schedule, start, end):
            event = Event()
            stamp = shift.start.strftime("%Y%m%dT%H%M%SZ")
            event.add("uid", f"{team.name}-{role}-{stamp}@warroom")
            event.add("dtstamp", now)
            event.add("dtstart", shift.start)
            event.add("dtend", shift.end)
            event.add("summary", f"{team.name} {role} on call: {shift.person}")
            event.add(
                "description",
                f"Schedule {schedule.name} ({schedule.timezone}); person {shift.person}",
            )
            calendar.add_component(event)
    return calendar.to_ical()
