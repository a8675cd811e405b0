"""What one caller's batch became: the counts and incident ids it is answered with, and
the incident rows the rest of the batch works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from warroom.incidents.models import Incident


@dataclass
class IngestResult:
    alert_ids: list[int] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    silenced: int = 0
    pending: int = 0
    incidents_opened: list[str] = field(default_factory=list)
    incidents_updated: list[str] = field(default_factory=list)
    # The rows behind those ids: the session holds loaded rows only weakly, so without these
    # every later step of the batch would load its incident again.
    rows: dict[str, Incident] = field(default_factory=dict, repr=False)
    # Incidents whose severity this batch raised: paged again once, after the batch.
    raised: set[str] = field(default_factory=set, repr=False)

    def opened(self, incident: Incident) -> None:
        self.incidents_opened.append(incident.id)
        self.rows[incident.id] = incident

    def touched(self, incident: Incident) -> None:
        if incident.id not in self.incidents_updated:
            self.incidents_updated.append(incident.id)
        self.rows[incident.id] = incident

    def row(self, session: Session, incident_id: str) -> Incident | None:
        return self.rows.get(incident_id) or session.get(Incident, incident_id)
