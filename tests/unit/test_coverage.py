"""On-call coverage gaps over a horizon, exact at handoffs and across DST (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from warroom.playbook.oncall import Oncall, Schedule
from warroom.readiness.checks import drill_check, oncall_checks, report, service_check
from warroom.readiness.coverage import Gap, gaps, offset_changes

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DAYS14 = timedelta(days=14)


def schedule(**spec: object) -> Schedule:
    return Schedule.model_validate({"name": "primary", **spec})


def test_a_rotation_that_started_covers_everything() -> None:
    s = schedule(layers=[{"members": ["a", "b"], "start": "2026-01-05T09:00:00+00:00"}])
    assert gaps(s, T0, T0 + DAYS14) == []


def test_a_rotation_starting_later_leaves_a_gap_until_its_start() -> None:
    start = T0 + timedelta(days=3, hours=1, minutes=30)
    s = schedule(layers=[{"members": ["a"], "start": start.isoformat()}])
    assert gaps(s, T0, T0 + DAYS14) == [Gap(T0, start)]


def test_overrides_fill_and_split_a_gap() -> None:
    start = T0 + timedelta(days=3)
    cover = {"person": "c", "start": (T0 + timedelta(days=1)).isoformat(), "end": start.isoformat()}
    s = schedule(
        layers=[{"members": ["a"], "start": start.isoformat()}],
        overrides=[cover],
    )
    assert gaps(s, T0, T0 + DAYS14) == [Gap(T0, T0 + timedelta(days=1))]


def test_a_gap_after_the_horizon_does_not_count_and_one_inside_is_cut_at_the_end() -> None:
    late = schedule(layers=[{"members": ["a"], "start": (T0 + timedelta(days=20)).isoformat()}])
    assert gaps(late, T0, T0 + DAYS14) == [Gap(T0, T0 + DAYS14)]
    early = schedule(layers=[{"members": ["a"], "start": (T0 - timedelta(days=1)).isoformat()}])
    assert gaps(early, T0, T0 + DAYS14) == []


def test_dst_offset_changes_are_found_to_the_second() -> None:
    paris = ZoneInfo("Europe/Paris")
    march = datetime(2026, 3, 20, tzinfo=UTC)
    assert offset_changes(paris, march, march + DAYS14) == [datetime(2026, 3, 29, 1, tzinfo=UTC)]
    october = datetime(2026, 10, 20, tzinfo=UTC)
    assert offset_changes(paris, october, october + DAYS14) == [
        datetime(2026, 10, 25, 1, tzinfo=UTC)
    ]
    assert offset_changes(ZoneInfo("UTC"), march, march + DAYS14) == []


def test_a_rotation_starting_at_local_time_after_spring_forward() -> None:
    # 09:00 Paris on 30 March is summer time (UTC+2): the gap ends at 07:00 UTC, not 08:00.
    s = schedule(
        timezone="Europe/Paris", layers=[{"members": ["a", "b"], "start": "2026-03-30T09:00:00"}]
    )
    start = datetime(2026, 3, 20, tzinfo=UTC)
    assert gaps(s, start, start + DAYS14) == [Gap(start, datetime(2026, 3, 30, 7, tzinfo=UTC))]


def test_a_start_inside_the_skipped_hour_begins_at_the_jump() -> None:
    # 02:30 on 29 March does not exist in Paris (02:00 → 03:00): the rotation starts when the
    # clocks jump, at 01:00 UTC; sampling the wall clock would put it at 00:30 or 01:30.
    s = schedule(
        timezone="Europe/Paris", layers=[{"members": ["a"], "start": "2026-03-29T02:30:00"}]
    )
    start = datetime(2026, 3, 20, tzinfo=UTC)
    assert gaps(s, start, start + DAYS14) == [Gap(start, datetime(2026, 3, 29, 1, tzinfo=UTC))]


def test_the_repeated_hour_is_evaluated_on_both_passes() -> None:
    # Clocks go back on 25 October (03:00 → 02:00), so 02:30 happens twice. An override
    # until 02:30 local ends at the first pass (00:30 UTC), covers again when the clocks go
    # back to 02:00 (01:00 UTC) and ends at the second pass (01:30 UTC), exactly as on-call
    # resolution answers; the rotation starts at 02:30 on the 26th (01:30 UTC, winter time).
    s = schedule(
        timezone="Europe/Paris",
        layers=[{"members": ["a"], "start": "2026-10-26T02:30:00"}],
        overrides=[{"person": "b", "start": "2026-10-20T00:00:00", "end": "2026-10-25T02:30:00"}],
    )
    start = datetime(2026, 10, 21, tzinfo=UTC)
    assert gaps(s, start, start + DAYS14) == [
        Gap(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)),
        Gap(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), datetime(2026, 10, 26, 1, 30, tzinfo=UTC)),
    ]


def test_weekly_handoffs_keep_local_time_across_dst_without_gaps() -> None:
    s = schedule(
        timezone="America/New_York",
        layers=[{"members": ["a", "b"], "start": "2026-03-02T09:00:00", "shift": "7d"}],
    )
    start = datetime(2026, 3, 1, tzinfo=UTC)
    assert gaps(s, start, start + DAYS14) == [Gap(start, datetime(2026, 3, 2, 14, tzinfo=UTC))]


def _oncall(start: str) -> Oncall:
    return Oncall.model_validate(
        {
            "people": [{"name": "a"}, {"name": "b"}],
            "schedules": [
                {"name": "p", "layers": [{"members": ["a"], "start": "2026-01-05T09:00:00Z"}]},
                {"name": "s", "layers": [{"members": ["b"], "start": start}]},
            ],
            "teams": [
                {"name": "ml", "oncall": {"primary": "p", "secondary": "s"}},
                {"name": "empty"},
            ],
        }
    )


def test_team_checks_name_the_role_schedule_and_gap() -> None:
    late = (T0 + timedelta(days=2)).isoformat()
    ml, empty = oncall_checks(_oncall(late), now=T0, horizon=DAYS14)
    assert not ml.ok and ml.name == "oncall:ml"
    assert "secondary (s): nobody on call 2026-11-23 12:00 UTC → 2026-11-25 12:00 UTC" in ml.detail
    assert "primary" not in ml.detail
    assert not empty.ok and "no on-call schedule" in empty.detail
    covered, _ = oncall_checks(_oncall("2026-01-01T00:00:00Z"), now=T0, horizon=DAYS14)
    assert covered.ok and "covered for the next 14d" in covered.detail
    assert not oncall_checks(Oncall(), now=T0, horizon=DAYS14)[0].ok


def test_drill_age_and_never_drilled() -> None:
    month = timedelta(days=35)
    assert not drill_check(None, None, now=T0, max_age=month).ok
    recent = drill_check(T0 - timedelta(days=10), "rollback", now=T0, max_age=month)
    assert recent.ok and "(rollback)" in recent.detail and "10d ago" in recent.detail
    stale = drill_check(T0 - timedelta(days=36), "rollback", now=T0, max_age=month)
    assert not stale.ok and "older than 35d" in stale.detail


def test_service_needs_a_stable_target_and_a_ready_backend() -> None:
    none = service_check(
        "fraud", "gateway", target=None, skipped=["v1: marked bad"], backend_error=None
    )
    assert not none.ok and "no stable version to roll back to (v1: marked bad)" in none.detail
    broken = service_check("fraud", "command", target="v1", skipped=[], backend_error="missing")
    assert not broken.ok and "command backend not ready: missing" in broken.detail
    ok = service_check("fraud", "gateway", target="v1", skipped=[], backend_error=None)
    assert ok.ok
    assert report([ok, none]) == {
        "ready": False,
        "checks": [
            {"name": "service:fraud", "ok": True, "detail": ok.detail},
            {"name": "service:fraud", "ok": False, "detail": none.detail},
        ],
    }


def test_a_business_hours_layer_leaves_nights_and_the_weekend_uncovered() -> None:
    # Monday 23 November, 13:00 in Paris (UTC+1); 09:00-17:00 local is 08:00-16:00 UTC.
    s = schedule(
        timezone="Europe/Paris",
        layers=[
            {
                "members": ["a", "b"],
                "start": "2026-11-02T09:00:00",
                "days": ["mon", "tue", "wed", "thu", "fri"],
                "hours": "09:00-17:00",
            }
        ],
    )
    found = gaps(s, T0, T0 + timedelta(days=7))
    at = lambda day, hour: datetime(2026, 11, day, hour, tzinfo=UTC)  # noqa: E731
    assert found == [
        Gap(at(23, 16), at(24, 8)),
        Gap(at(24, 16), at(25, 8)),
        Gap(at(25, 16), at(26, 8)),
        Gap(at(26, 16), at(27, 8)),
        Gap(at(27, 16), at(30, 8)),  # the weekend
    ]
