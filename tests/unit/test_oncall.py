"""Schedules, routing and escalation steps: pure decisions over playbook data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from warroom.errors import NotFound, PlaybookError
from warroom.oncall import routing
from warroom.oncall.calendar import team_calendar
from warroom.oncall.schedules import on_call, shifts
from warroom.playbook.loader import load_playbook, parse_playbook
from warroom.playbook.oncall import Oncall, Schedule

MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_weekly_rotation_and_override() -> None:
    schedule = Schedule.model_validate(
        {
            "name": "s",
            "layers": [{"members": ["a", "b"], "start": MONDAY.isoformat(), "shift": "7d"}],
            "overrides": [
                {"person": "c", "start": "2026-01-06T00:00:00Z", "end": "2026-01-07T00:00:00Z"}
            ],
        }
    )
    assert on_call(schedule, MONDAY - timedelta(seconds=1)) is None
    assert on_call(schedule, MONDAY) == "a"
    assert on_call(schedule, MONDAY + timedelta(days=1, hours=12)) == "c"
    assert on_call(schedule, MONDAY + timedelta(days=7)) == "b"
    assert on_call(schedule, MONDAY + timedelta(days=14)) == "a"


def test_handoff_keeps_local_wall_clock_across_dst() -> None:
    schedule = Schedule.model_validate(
        {
            "name": "paris",
            "timezone": "Europe/Paris",
            "layers": [{"members": ["a", "b"], "start": "2026-03-23T09:00:00", "shift": "7d"}],
        }
    )
    # DST starts 2026-03-29: the handoff stays at 09:00 Paris time (07:00 UTC after).
    assert on_call(schedule, datetime(2026, 3, 30, 6, 59, tzinfo=UTC)) == "a"
    assert on_call(schedule, datetime(2026, 3, 30, 7, 0, tzinfo=UTC)) == "b"


def test_default_routes_follow_seed_002_with_a_catch_all() -> None:
    oncall = load_playbook().oncall
    assert routing.route(oncall.routes, {"alertname": "HighLatency"}) == "backend"
    assert routing.route(oncall.routes, {"alertname": "DriftCritical"}) == "ml-engineering"
    assert routing.route(oncall.routes, {"alertname": "ServiceDown"}) == "infrastructure"
    assert routing.route(oncall.routes, {"alertname": "Whatever"}) == "ml-engineering"


def test_seed_003_chain_offsets_and_repeat() -> None:
    playbook = load_playbook()
    policy = playbook.oncall.policy("escalation-chain")
    assert policy is not None
    p0 = routing.levels_for(policy, "P0")
    assert [lv.after for lv in p0] == [timedelta(minutes=m) for m in (0, 15, 30, 45)]
    assert len(routing.levels_for(policy, "P1")) == 3
    looping = policy.model_copy(update={"repeat": 1})
    step = routing.step(looping, p0, 3, 0)
    again = routing.next_step(looping, p0, step)
    assert again == routing.Step(0, 1, timedelta(minutes=60))
    assert routing.next_step(looping, p0, routing.step(looping, p0, 3, 1)) is None
    assert [playbook.oncall.policy_by_severity[s] for s in ("P2", "P3")] == ["notify-oncall", None]


def test_bad_references_are_refused_with_their_names() -> None:
    text = """
severity_levels: {}
classification: {}
oncall:
  people: [{name: a, contacts: [{channel: pager}]}]
  routes: [{team: ghosts}]
"""
    with pytest.raises(PlaybookError) as err:
        parse_playbook(text, source="x.yaml")
    assert "ghosts" in str(err.value)


PARIS = {
    "name": "paris",
    "timezone": "Europe/Paris",
    # Daily handoffs at 09:00 Paris time; DST starts 2026-03-29 (02:00 → 03:00).
    "layers": [{"members": ["a", "b", "c"], "start": "2026-03-27T09:00:00", "shift": "daily"}],
    "overrides": [
        {"person": "o", "start": "2026-03-29T12:00:00+02:00", "end": "2026-03-29T18:00:00+02:00"}
    ],
}


def test_named_and_custom_shift_lengths() -> None:
    def layer(shift: str) -> Schedule:
        start = MONDAY.isoformat()
        return Schedule.model_validate(
            {"name": "s", "layers": [{"members": ["a", "b"], "start": start, "shift": shift}]}
        )

    assert on_call(layer("daily"), MONDAY + timedelta(hours=25)) == "b"
    assert on_call(layer("weekly"), MONDAY + timedelta(days=6)) == "a"
    assert on_call(layer("12h"), MONDAY + timedelta(hours=12)) == "b"
    with pytest.raises(ValueError, match="shift must be longer"):
        layer("0s")


def test_weekend_and_night_layers_over_a_weekly_rotation() -> None:
    schedule = Schedule.model_validate(
        {
            "name": "s",
            "layers": [
                {"members": ["a", "b"], "start": MONDAY.isoformat(), "shift": "weekly"},
                {"members": ["w"], "start": MONDAY.isoformat(), "days": ["sat", "sun"]},
                {"members": ["n"], "start": MONDAY.isoformat(), "hours": "22:00-06:00",
                 "end": "2026-01-08T00:00:00Z"},
            ],
        }
    )  # fmt: skip
    at = MONDAY.replace(hour=0)  # Monday 2026-01-05
    assert on_call(schedule, at.replace(hour=12)) == "a"
    assert on_call(schedule, at.replace(hour=23)) == "n"  # night layer wins
    assert on_call(schedule, at + timedelta(days=1, hours=5)) == "n"  # wraps past midnight
    assert on_call(schedule, at + timedelta(days=5, hours=12)) == "w"  # Saturday
    assert on_call(schedule, at + timedelta(days=3, hours=23)) == "a"  # night layer ended
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        Schedule.model_validate(
            {"name": "s", "layers": [{"members": ["a"], "start": MONDAY, "hours": "9-17"}]}
        )


def test_shifts_follow_handoffs_overrides_and_dst() -> None:
    schedule = Schedule.model_validate(PARIS)
    start = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    got = shifts(schedule, start, start + timedelta(days=3))
    z = UTC
    assert [(s.person, s.start, s.end) for s in got] == [
        ("a", start, datetime(2026, 3, 28, 8, 0, tzinfo=z)),  # 09:00 CET = 08:00 UTC
        ("b", datetime(2026, 3, 28, 8, 0, tzinfo=z), datetime(2026, 3, 29, 7, 0, tzinfo=z)),
        (
            "c",
            datetime(2026, 3, 29, 7, 0, tzinfo=z),
            datetime(2026, 3, 29, 10, 0, tzinfo=z),
        ),  # CEST
        ("o", datetime(2026, 3, 29, 10, 0, tzinfo=z), datetime(2026, 3, 29, 16, 0, tzinfo=z)),
        ("c", datetime(2026, 3, 29, 16, 0, tzinfo=z), datetime(2026, 3, 30, 7, 0, tzinfo=z)),
        ("a", datetime(2026, 3, 30, 7, 0, tzinfo=z), datetime(2026, 3, 31, 0, 0, tzinfo=z)),
    ]
    # The calendar agrees with on_call at every minute of the window.
    for minute in range(0, 3 * 24 * 60, 7):
        at = start + timedelta(minutes=minute)
        [covering] = [s for s in got if s.start <= at < s.end]
        assert covering.person == on_call(schedule, at)


def test_ics_export_parses_back_to_the_shifts() -> None:
    playbook = load_playbook()
    data = playbook.model_dump(mode="json")
    data["oncall"]["schedules"][0] = {**PARIS, "name": "backend-primary"}
    data["oncall"]["people"] += [{"name": n} for n in ("a", "b", "c", "o")]
    oncall = Oncall.model_validate(data["oncall"])
    start = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    body = team_calendar(oncall, "backend", start=start, days=3, now=start)
    parsed = Calendar.from_ical(body)
    events = [
        (str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend"))
        for e in parsed.walk("VEVENT")
        if "primary" in str(e["summary"])
    ]
    expected = shifts(Schedule.model_validate(PARIS), start, start + timedelta(days=3))
    assert events == [(f"backend primary on call: {s.person}", s.start, s.end) for s in expected]
    assert all(e.decoded("dtstart").utcoffset() == timedelta(0) for e in parsed.walk("VEVENT"))
    uids = [str(e["uid"]) for e in parsed.walk("VEVENT")]
    assert len(uids) == len(set(uids))
    with pytest.raises(NotFound, match="teams: backend"):
        team_calendar(oncall, "nope", start=start, days=1, now=start)
