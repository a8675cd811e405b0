"""Import every domain's models so ``Base.metadata`` is complete (Alembic, tests)."""

from warroom.alerts.models import Alert
from warroom.audit.models import AuditEvent
from warroom.auth.models import ApiToken, Integration
from warroom.deploy.models import DeploymentEvent, ModelService, ModelVersion, Rollback
from warroom.detect.models import Baseline, ReviewItem
from warroom.guide.models import DiagnosticResult
from warroom.incidents.models import Incident, IncidentRole, TimelineEvent
from warroom.notify.models import Notification
from warroom.oncall.models import DirectoryEntry
from warroom.postmortem.models import ActionItem, Postmortem, PostmortemRevision
from warroom.samples.models import MetricSample
from warroom.silences.models import Silence
from warroom.storage.base import Base
from warroom.tasks.models import IncidentTask
from warroom.updates.models import IncidentUpdate
from warroom.worker.models import Job

__all__ = [
    "ActionItem",
    "Alert",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Baseline",
    "DeploymentEvent",
    "DiagnosticResult",
    "DirectoryEntry",
    "Incident",
    "IncidentRole",
    "IncidentTask",
    "IncidentUpdate",
    "Integration",
    "Job",
    "MetricSample",
    "ModelService",
    "ModelVersion",
    "Notification",
    "Postmortem",
    "PostmortemRevision",
    "ReviewItem",
    "Rollback",
    "Silence",
    "TimelineEvent",
]
