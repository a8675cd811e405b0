"""What the public status page says: pure decisions over plain values.

One rule, used for the HTML page, ``status.json`` and the Atom feed alike: an incident's
impact is the state it puts its component in (:func:`incident_impact`), the component shows
the worst impact of its open incidents, and the page's overall state is the worst of its
components and of the open public incidents on services that are not components. So a
component never reads "Degraded performance" beside its incident's "impact: Major outage".

Impact of an open incident:

    severity   triggered .. mitigating     monitoring (fix in place, watching)
    P0         major_outage                degraded
    P1         partial_outage              degraded
    P2, P3     degraded                    degraded
    P4         operational                 operational

Resolved and closed incidents leave a component operational; a past incident's impact is the
worst it caused (its severity's column on the left). Incidents labelled as drills
(``drill=true``) never count and never appear: customers must not see rehearsals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from warroom.incidents.lifecycle import OPEN_STATES

STATES: tuple[str, ...] = ("operational", "degraded", "partial_outage", "major_outage")
LABELS = {
    "operational": "Operational",
    "degraded": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
SUMMARY = {
    "operational": "All systems operational",
    "degraded": "Some systems are degraded",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
SEVERITY_STATE = {
    "P0": "major_outage",
    "P1": "partial_outage",
    "P2": "degraded",
    "P3": "degraded",
    "P4": "operational",
}
HISTORY_DAYS = 90


@dataclass(frozen=True)
class IncidentFacts:
    service: str | None
    severity: str
    status: str
    started_at: datetime
    resolved_at: datetime | None


def is_drill(labels: dict[str, str] | None) -> bool:
    return (labels or {}).get("drill") == "true"


def impact(severity: str) -> str:
    """The state an incident of this severity causes while it burns."""
    return SEVERITY_STATE.get(severity, "degraded")


def incident_state(severity: str, status: str) -> str:
    """The state one incident puts its component in now."""
    if status not in OPEN_STATES:
        return "operational"
    state = impact(severity)
    if status == "monitoring":
        return "operational" if state == "operational" else "degraded"
    return state


def incident_impact(severity: str, status: str) -> str:
    """The impact an incident shows: while open, the state it puts its component in now
    (softened once a fix is in place); once over, the worst it caused."""
    if status in OPEN_STATES:
        return incident_state(severity, status)
    return impact(severity)


def worst(states: Iterable[str]) -> str:
    return max(states, key=STATES.index, default="operational")


def component_states(components: list[str], incidents: list[IncidentFacts]) -> dict[str, str]:
    """Each component's current state: the worst impact of the open incidents on it."""
    burning = [i for i in incidents if i.status in OPEN_STATES]
    return {
        name: worst(incident_impact(i.severity, i.status) for i in burning if i.service == name)
        for name in components
    }


def daily_history(
    incidents: list[IncidentFacts], *, today: date, now: datetime, days: int = HISTORY_DAYS
) -> list[tuple[date, str]]:
    """One state per UTC day (oldest first): the worst impact of incidents that burned that day."""
    out = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        start = datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)
        end = start + timedelta(days=1)
        burning = [
            impact(i.severity)
            for i in incidents
            if i.started_at < end and (i.resolved_at or now) >= start
        ]
        out.append((day, worst(burning)))
    return out
