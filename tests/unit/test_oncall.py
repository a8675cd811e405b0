"""Schedules, routing and escalation steps: pure decisions over playbook data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.errors import PlaybookError
from warroom.oncall import routing
from warroom.oncall.schedules import on_call
from warroom.oncall.schema import Schedule
from warroom.playbook.loader import load_playbook, parse_playbook

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
    policy = playbook.oncall.policy("seed-003")
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
