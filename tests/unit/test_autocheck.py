"""Which shipped checklist tasks warroom checks itself, and from which timeline facts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warroom.playbook.loader import load_playbook
from warroom.tasks import autocheck

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

# Every item of the shipped playbook's checklists, and the fact that checks it (None: a person).
SHIPPED = {
    "Acknowledge the incident": "acknowledged",
    "Assess initial severity and impact": None,
    "Open incident communication channel": "war_room",
    "Page appropriate team members": "paged",
    "Begin investigation and logging": "investigating",
    "Implement immediate mitigation if obvious": "mitigated",
    "Confirm incident severity": None,
    "Assemble appropriate response team": "team",
    "Establish incident command structure": "commander",
    "Create incident tracking ticket": "tracked",
    "Begin stakeholder communication": "update",
    "Implement war room": "war_room",
    "All affected services are operational": "rollback_verified",
    "System metrics are within normal ranges": None,
    "Error rates have returned to baseline": "rollback_verified",
    "User-facing functionality works correctly": None,
    "No related alerts are firing": "alerts_resolved",
    "Monitoring dashboards show healthy state": None,
    "Update status page: mark incident as resolved": "public_resolved",
    "Notify stakeholders: send resolution notification": "update_resolved",
    "Update incident channel: declare incident resolved": "update_resolved",
    "Schedule post-incident review within 24-48 hours": "postmortem_drafted",
    "Document timeline: create detailed incident timeline": "postmortem_drafted",
    "Incident detected within SLA": None,
    "Appropriate severity assigned": None,
    "Stakeholders notified per procedure": "update",
    "Mitigation actions executed": "mitigated",
    "Service restored within target time": None,
    "Postmortem completed within 24 hours": "postmortem_published",
    "Root cause identified": None,
    "Action items assigned with owners": "action_owned",
    "Lessons learned documented": None,
    "Prevention measures implemented": None,
}


def test_every_shipped_task_is_mapped_as_documented() -> None:
    titles = [i.title for c in load_playbook(None).checklists for i in c.items]
    assert sorted(titles) == sorted(SHIPPED)
    assert {t: autocheck.wanted(t) for t in titles} == SHIPPED


def keys(kind: str, data: dict[str, object], *, by_person: bool = True) -> list[str]:
    found = autocheck.facts_of(kind, data, message="m", actor="a", at=AT, by_person=by_person)
    return [f.key for f in found]


@pytest.mark.parametrize(
    ("kind", "data", "by_person", "expected"),
    [
        ("status", {"from": "triggered", "to": "acknowledged"}, True, ["acknowledged"]),
        ("status", {"to": "investigating"}, True, ["acknowledged", "investigating"]),
        # A verified rollback moving the incident on is nobody's acknowledgement.
        ("status", {"to": "monitoring"}, False, []),
        ("status", {"to": "resolved"}, False, ["public_resolved"]),
        ("acknowledged", {"status": "monitoring"}, True, ["acknowledged"]),
        ("page", {"person": "alice"}, False, ["paged"]),
        ("chat_room", {"channel": "C1"}, False, ["war_room"]),
        ("chat_room", {"channel": "C1", "archived": True}, False, []),
        ("note", {}, True, ["investigating"]),
        ("role", {"role": "technical_lead"}, True, ["team"]),
        ("role", {"role": "incident_commander"}, True, ["team", "commander"]),
        ("update", {"status": "identified", "public": True}, True, ["update"]),
        ("update", {"status": "resolved", "public": False}, True, ["update", "update_resolved"]),
        (
            "update",
            {"status": "resolved", "public": True},
            True,
            ["update", "update_resolved", "public_resolved"],
        ),
        ("rollback", {"state": "succeeded"}, False, ["rollback_verified", "mitigated"]),
        ("rollback", {"state": "failed"}, False, []),
        ("postmortem", {"status": "draft", "version": 1}, True, ["postmortem_drafted"]),
        (
            "postmortem",
            {"status": {"from": "draft", "to": "published"}},
            True,
            ["postmortem_drafted", "postmortem_published"],
        ),
        ("postmortem", {"version": 3}, True, []),
        ("action_item", {"owner": "carol"}, True, ["action_owned"]),
        ("action_item", {"owner": None}, True, []),
        ("alert", {"count": 3}, False, []),
        ("task", {"task_ids": [1]}, False, []),
    ],
)
def test_facts_of_timeline_events(
    kind: str, data: dict[str, object], by_person: bool, expected: list[str]
) -> None:
    assert keys(kind, data, by_person=by_person) == expected


def test_the_earliest_evidence_is_kept() -> None:
    early = autocheck.Fact("paged", "Paged alice (warroom:response, 2026-11-23 12:00:00 UTC)")
    late = autocheck.Fact("paged", "Paged bob")
    assert autocheck.first_facts([early, late]) == {"paged": early}
    assert autocheck.evidence("Paged alice", "warroom:response", AT) == early.evidence
