"""The public status page's decisions: component state, drills, 90-day history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from warroom.web import statuspage as sp

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def facts(
    severity: str = "P0",
    status: str = "triggered",
    service: str | None = "fraud",
    started: datetime = NOW - timedelta(hours=1),
    resolved: datetime | None = None,
) -> sp.IncidentFacts:
    return sp.IncidentFacts(service, severity, status, started, resolved)


@pytest.mark.parametrize(
    ("severity", "status", "state"),
    [
        ("P0", "triggered", "major_outage"),
        ("P0", "mitigating", "major_outage"),
        ("P0", "monitoring", "degraded"),
        ("P1", "investigating", "partial_outage"),
        ("P1", "monitoring", "degraded"),
        ("P2", "acknowledged", "degraded"),
        ("P3", "identified", "degraded"),
        ("P4", "triggered", "operational"),
        ("P4", "monitoring", "operational"),
        ("P0", "resolved", "operational"),
        ("P0", "closed", "operational"),
    ],
)
def test_incident_state(severity: str, status: str, state: str) -> None:
    assert sp.incident_state(severity, status) == state


def test_worst_incident_per_component_wins() -> None:
    states = sp.component_states(
        ["fraud", "ranker", "idle"],
        [
            facts("P2", service="fraud"),
            facts("P0", service="fraud"),
            facts("P1", "monitoring", service="ranker"),
            facts("P0", service="not-a-component"),
        ],
    )
    assert states == {"fraud": "major_outage", "ranker": "degraded", "idle": "operational"}


def test_drill_label() -> None:
    assert sp.is_drill({"drill": "true"})
    assert not sp.is_drill({"drill": "false"})
    assert not sp.is_drill({})
    assert not sp.is_drill(None)


def test_daily_history_marks_each_day_an_incident_burned() -> None:
    two_days = facts(
        "P1", "resolved", started=NOW - timedelta(days=3), resolved=NOW - timedelta(days=2)
    )
    still_open = facts("P0", started=NOW - timedelta(hours=2))
    days = sp.daily_history([two_days, still_open], today=NOW.date(), now=NOW, days=5)
    assert [d for d, _ in days] == [date(2026, 11, d) for d in (19, 20, 21, 22, 23)]
    assert [s for _, s in days] == [
        "operational",
        "partial_outage",
        "partial_outage",
        "operational",
        "major_outage",
    ]


@pytest.mark.parametrize("severity", ["P0", "P1", "P2", "P3", "P4"])
@pytest.mark.parametrize(
    "status", ["triggered", "acknowledged", "investigating", "mitigating", "monitoring"]
)
def test_an_open_incident_shows_the_impact_its_component_shows(severity: str, status: str) -> None:
    # One rule: the page never says "impact: Major outage" beside a "Degraded" component.
    [state] = sp.component_states(["fraud"], [facts(severity, status)]).values()
    assert sp.incident_impact(severity, status) == state


def test_a_past_incident_shows_the_worst_impact_it_caused() -> None:
    assert sp.incident_impact("P0", "resolved") == "major_outage"
    assert sp.component_states(["fraud"], [facts("P0", "resolved")]) == {"fraud": "operational"}
