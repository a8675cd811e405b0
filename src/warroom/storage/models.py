"""Import every domain's models so ``Base.metadata`` is complete (Alembic, tests)."""

from warroom.alerts.models import Alert
from warroom.audit.models import AuditEvent
from warroom.auth.models import ApiToken, Integration
from warroom.incidents.models import Incident, IncidentRole, TimelineEvent
from warroom.silences.models import Silence
from warroom.storage.base import Base

__all__ = [
    "Alert",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Incident",
    "IncidentRole",
    "Integration",
    "Silence",
    "TimelineEvent",
]
