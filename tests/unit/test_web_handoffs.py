"""Next on-call handoffs from rotation layers and overrides."""

from __future__ import annotations

from datetime import UTC, datetime

from warroom.playbook.oncall import Schedule
from warroom.web.handoffs import next_handoffs


def schedule(**extra: object) -> Schedule:
    return Schedule.model_validate(
        {
            "name": "primary",
            "layers": [
                {
                    "members": ["ana", "bo", "cy"],
                    "start": "2026-11-02T09:00:00+00:00",
                    "shift": "7d",
                }
            ],
            **extra,
        }
    )


def test_weekly_rotation() -> None:
    now = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # bo's week
    got = next_handoffs(schedule(), now, count=3)
    assert [(h.at.isoformat(), h.person) for h in got] == [
        ("2026-11-16T09:00:00+00:00", "cy"),
        ("2026-11-23T09:00:00+00:00", "ana"),
        ("2026-11-30T09:00:00+00:00", "bo"),
    ]


def test_override_start_and_end_are_handoffs() -> None:
    now = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    sched = schedule(
        overrides=[
            {
                "person": "dee",
                "start": "2026-11-11T00:00:00+00:00",
                "end": "2026-11-12T00:00:00+00:00",
            }
        ]
    )
    got = next_handoffs(sched, now, count=3)
    assert [(h.at.day, h.person) for h in got] == [(11, "dee"), (12, "bo"), (16, "cy")]


def test_wall_clock_handoffs_across_dst() -> None:
    sched = Schedule.model_validate(
        {
            "name": "eu",
            "timezone": "Europe/Berlin",
            "layers": [{"members": ["ana", "bo"], "start": "2026-10-19T09:00:00", "shift": "7d"}],
        }
    )
    got = next_handoffs(sched, datetime(2026, 10, 20, tzinfo=UTC), count=2)
    # 09:00 Berlin is 07:00 UTC in summer time and 08:00 UTC after 25 October.
    assert [h.at.isoformat() for h in got] == [
        "2026-10-26T08:00:00+00:00",
        "2026-11-02T08:00:00+00:00",
    ]


def test_nothing_changes_with_one_member() -> None:
    sched = Schedule.model_validate(
        {"name": "solo", "layers": [{"members": ["ana"], "start": "2026-01-01T00:00:00+00:00"}]}
    )
    assert next_handoffs(sched, datetime(2026, 11, 10, tzinfo=UTC)) == []
