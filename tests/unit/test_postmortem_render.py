"""Postmortem facts and rendering from plain values: rollbacks, pages, missing data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warroom.incidents.models import IncidentRead, TimelineEventRead
from warroom.playbook.loader import load_playbook
from warroom.postmortem import facts, render

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def event(n: int, minutes: int, kind: str, message: str, **data: object) -> TimelineEventRead:
    return TimelineEventRead(
        id=n, at=T0 + timedelta(minutes=minutes), kind=kind, actor="warroom", message=message,
        data=data,
    )  # fmt: skip


def incident(**overrides: object) -> IncidentRead:
    base: dict[str, object] = dict(
        id="INC-20260301-090000", title="HighErrorRate on fraud-model", severity="P1",
        status="resolved", service="fraud-model", team=None, started_at=T0 - timedelta(minutes=4),
        detected_at=T0, acknowledged_at=None, mitigated_at=T0 + timedelta(minutes=9),
        resolved_at=T0 + timedelta(minutes=150), closed_at=None, updated_at=T0, metrics={},
        impact=None, labels={},
    )  # fmt: skip
    return IncidentRead(**{**base, **overrides})  # type: ignore[arg-type]


def test_rollback_page_and_never_acknowledged() -> None:
    timeline = [
        event(1, 0, "opened", "Incident opened as P1"),
        event(2, 1, "page", "Paged alice", person="alice", channel="slack", level=1),
        event(3, 9, "rollback", "Rollback verified", rollback_id=7, service="fraud-model",
              from_version="v42", to_version="v41", state="succeeded", trigger="auto",
              started_at=(T0 + timedelta(minutes=8)).isoformat(),
              finished_at=(T0 + timedelta(minutes=9)).isoformat(), duration_seconds=48.5,
              snapshot={"weights": {"v42": 100}}, verification={"error_rate": 0.01}),
    ]  # fmt: skip
    level = load_playbook(None).severity_levels["P1"]
    found = facts.gather(incident=incident(), level=level, timeline=timeline, alerts=[], samples=[])
    assert found.ack is None and found.resolution_met is False  # 150 min > 2 h target
    assert [m.label for m in found.milestones] == ["detected", "rollback succeeded", "resolved"]
    text = render.render_markdown(
        facts=found, template="full", actions=[], related=[], chart=None, generated_at=T0
    )
    assert "- **Acknowledged**: **never acknowledged**" in text
    assert "- **Paged**: alice via slack at 2026-03-01 09:01:00 (level 1)" in text
    assert "- **Rollback 7** (auto trigger) of fraud-model: v42 → **v41**" in text
    assert "  - **Rollback Duration**: 48.5 s (started 2026-03-01 09:08:00" in text
    assert "  - **Rollback Success**: Yes (succeeded)" in text
    assert '"v42": 100' in text
    assert "resolution **outside** the 2h target" not in text  # durations are spelled out
    assert "resolution **outside** the 2 h target" in text
    assert "- **Requests**: not supported by the data" in text


def test_request_counts_need_both_numbers() -> None:
    only_total = [facts.Sample(T0, "requests_total", 10, None, "alert")]
    assert facts.request_impact(only_total) is None
    both = [*only_total, facts.Sample(T0, "requests_failed", 3, None, "alert")]
    impact = facts.request_impact(both)
    assert impact is not None and (impact.failed, impact.total, impact.failed_pct) == (3, 10, 30.0)


def test_verification_reads_as_a_sentence_and_a_table() -> None:
    verification = {
        "requests": 412,
        "checks": [
            {"metric": "error_rate", "op": "<", "value": 0.05, "observed": 0.0097, "ok": True},
            {"metric": "latency_p95_ms", "op": "<", "value": 200, "observed": 61.5, "ok": True},
        ],
        "baseline": {"error_rate": 0.01, "window": "<10 min before>"},
    }
    timeline = [
        event(1, 0, "opened", "Incident opened as P1"),
        event(2, 9, "rollback", "Rollback verified", rollback_id=7, service="fraud-model",
              from_version="v42", to_version="v41", state="succeeded", trigger="auto",
              duration_seconds=48.5, snapshot={"note": "<b>"}, verification=verification),
    ]  # fmt: skip
    level = load_playbook(None).severity_levels["P1"]
    found = facts.gather(incident=incident(), level=level, timeline=timeline, alerts=[], samples=[])
    text = render.render_markdown(
        facts=found, template="full", actions=[], related=[], chart=None, generated_at=T0
    )
    assert (
        "  - **Verification**: Verification passed on 412 requests to the target version: "
        "2 of 2 criteria met." in text
    )
    assert "    | Criterion | Wanted | Observed | Met |" in text
    assert "    | error_rate | < 0.05 | 0.0097 | yes |" in text
    assert "    | latency_p95_ms | < 200 | 61.5 | yes |" in text
    assert "    | baseline.window |  | <10 min before> |  |" in text
    assert "\\u003c" not in text and '"checks"' not in text and '"note": "<b>"' in text
    html = render.to_html(text, title="t")
    assert "<table>" in html and "<td>error_rate</td>" in html


def test_a_failed_verification_says_which_criterion() -> None:
    from warroom.postmortem import verification

    failed = {
        "requests": 30,
        "checks": [
            {"metric": "error_rate", "op": "<", "value": 0.05, "observed": 0.4, "ok": False}
        ],
    }
    assert verification.sentence(failed, succeeded=False) == (
        "Verification did not pass on 30 requests to the target version: 0 of 1 criteria met "
        "(not met: error_rate)."
    )
    waiting = {"requests": 3, "checks": [], "waiting": "not enough requests yet"}
    assert verification.sentence(waiting, succeeded=False) == (
        "Verification did not pass on 3 requests to the target version; not enough requests yet."
    )
