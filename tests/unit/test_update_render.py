"""Status update templates: each audience's wording, from plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from warroom.updates.render import render

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
INCIDENT = SimpleNamespace(
    id="INC-20261123-120000", title="fraud error rate 60%", severity="P0", service="fraud",
    started_at=T0,
)  # fmt: skip


def update(status: str, **extra: object) -> SimpleNamespace:
    values = {"status": status, "message": "rolled back", "impact": None, "posted_by": "carol",
              "posted_at": T0 + timedelta(minutes=95), "next_update_at": None, **extra}  # fmt: skip
    return SimpleNamespace(**values)


def test_internal_update_has_every_field_of_the_seed_template() -> None:
    text = render(
        "internal",
        incident=INCIDENT,
        update=update("identified", impact="5% errors", next_update_at=T0 + timedelta(hours=2)),
        roles={"incident_commander": "alice"},
        now=T0 + timedelta(minutes=95),
    )
    assert text.subject == "[P0] INC-20261123-120000 update: identified - fraud error rate 60%"
    for line in ("Time: 2026-11-23 13:35 UTC", "Status: identified", "Impact: 5% errors",
                 "Next Update: 2026-11-23 14:00 UTC", "Duration: 1h 35m",
                 "Incident Commander: alice", "Technical Lead: unassigned"):  # fmt: skip
        assert line in text.body


def test_customer_notice_wording_follows_the_status() -> None:
    now = T0 + timedelta(minutes=30)
    first = render(
        "customers", incident=INCIDENT, update=update("investigating"), roles={}, now=now
    )
    assert first.subject == "[Action Required] Service Disruption - fraud"
    assert "Current Status: Investigating" in first.body and "INC-" not in first.body
    done = render("customers", incident=INCIDENT, update=update("resolved"), roles={}, now=now)
    assert done.subject == "[Resolved] Service Disruption - fraud"
    assert "Duration: 30m" in done.body and "Resolution: rolled back" in done.body
