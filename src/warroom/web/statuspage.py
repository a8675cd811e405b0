"""What the public status page says: pure decisions over plain values.

Component state from an open incident (the worst one wins per component):

    severity   triggered .. mitigating     monitoring (fix in place, watching)
    P0         major_outage                degraded
    P1         partial_outage              degraded
    P2, P3     degraded                    degraded
    P4         operational                 operational

Resolved and closed incidents leave a component operational. Incidents labelled as drills
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


def worst(states: Iterable[str]) -> str:
    return max(states, key=STATES.index, default="operational")


def component_states(components: list[str], incidents: list[IncidentFacts]) -> dict[str, str]:
    """Each component's current state from the open incidents on it."""
    return {
        name: worst(incident_state(i.severity, i.status) for i in incidents if i.service == name)
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
