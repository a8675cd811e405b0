"""Response metrics as pure functions, against hand-computed values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warroom.reports import metrics as m

T0 = datetime(2026, 1, 1, tzinfo=UTC)
MIN = timedelta(minutes=1)


def times(i: str, service: str, start: int, detect: int, ack: int | None, res: int | None,
          severity: str = "P1") -> m.IncidentTimes:  # fmt: skip
    return m.IncidentTimes(
        id=i, severity=severity, service=service, started_at=T0 + start * MIN,
        detected_at=T0 + detect * MIN, acknowledged_at=T0 + ack * MIN if ack is not None else None,
        resolved_at=T0 + res * MIN if res is not None else None,
    )  # fmt: skip


def test_percentiles_interpolate_between_ranks() -> None:
    assert m.percentile([], 50) is None
    assert m.percentile([7.0], 95) == 7.0
    assert m.percentile([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    assert m.percentile([10.0, 20.0, 30.0, 40.0], 90) == 37.0  # 30 + 0.7 * 10


def test_mtbf_is_resolution_to_next_start_per_service() -> None:
    incidents = [
        times("a", "svc", 0, 1, 2, 10),
        times("b", "svc", 70, 71, None, 80),  # 60 min after a resolved
        times("c", "svc", 200, 201, None, None),  # 120 min after b resolved
        times("d", "other", 0, 1, None, None),
    ]
    assert m.mtbf(incidents) == {"other": None, "svc": 90 * 60.0}


def test_mtbf_merges_overlapping_incidents_into_one_outage_and_is_never_negative() -> None:
    incidents = [
        times("a", "svc", 0, 1, None, 100),
        times("b", "svc", 10, 11, None, 50),  # inside a: the same outage
        times("c", "svc", 90, 91, None, 130),  # overlaps a's end: the outage lasts to 130
        times("d", "svc", 190, 191, None, 200),  # 60 min after the merged outage
        times("e", "svc", 260, 261, None, None),  # 60 min after d; still open
        times("f", "svc", 400, 401, None, 410),  # e never ended: the same outage
    ]
    assert m.mtbf(incidents) == {"svc": 60 * 60.0}
    # Before: resolution of one incident to the start of the next went negative here.
    assert m.mtbf([times("x", "s", 0, 1, None, 120), times("y", "s", 10, 11, None, 20)]) == {
        "s": None
    }


def test_sla_counts_unacknowledged_only_after_the_deadline() -> None:
    targets = {"P1": m.Target(timedelta(minutes=15), timedelta(hours=2))}
    waiting = times("w", "s", 0, 0, None, None)
    assert m.sla([waiting], targets, T0 + 10 * MIN)["acknowledgement"]["eligible"] == 0
    late = m.sla([waiting], targets, T0 + 16 * MIN)["acknowledgement"]
    assert (late["eligible"], late["met"], late["missed"]) == (1, 0, ["w"])
    boundary = m.sla([times("b", "s", 0, 0, 15, 120)], targets, T0 + 200 * MIN)
    assert boundary["acknowledgement"]["rate"] == 1.0  # exactly at the deadline is in time
    assert boundary["resolution"]["rate"] == 1.0


def test_follow_up_completion() -> None:
    now = T0 + timedelta(days=10)
    dues = [
        m.PostmortemDue("a", T0 + timedelta(days=1), T0 + timedelta(hours=20)),
        m.PostmortemDue("b", T0 + timedelta(days=1), T0 + timedelta(days=2)),
        m.PostmortemDue("c", T0 + timedelta(days=1), None),
        m.PostmortemDue("d", T0 + timedelta(days=20), None),  # not due yet: not counted
    ]
    pm = m.postmortem_completion(dues, now)
    assert (pm["eligible"], pm["on_time"], pm["overdue"]) == (3, 1, ["c"])
    items = [
        m.ActionDue(1, "a", T0, "done", T0 - MIN),
        m.ActionDue(2, "a", T0, "done", T0 + MIN),
        m.ActionDue(3, "a", T0, "wont_do", T0),
        m.ActionDue(4, "a", T0 + timedelta(days=30), "open", None),
    ]
    act = m.action_completion(items, now)
    assert (act["eligible"], act["on_time"], act["rate"], act["overdue"]) == (2, 1, 0.5, [])


def test_rollback_stats() -> None:
    runs = [m.RollbackRun("succeeded", 10.0), m.RollbackRun("failed", 30.0),
            m.RollbackRun("succeeded", 20.0), m.RollbackRun("error", None)]  # fmt: skip
    stats = m.rollback_stats(runs)
    assert (stats["count"], stats["succeeded"], stats["success_rate"]) == (4, 2, 0.5)
    assert stats["duration_seconds"] == {"p50": 20.0, "p90": 28.0, "p95": 29.0, "max": 30.0}
