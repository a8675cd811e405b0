"""One fault on one version of a service is one incident: the grouping key."""

from __future__ import annotations

from dataclasses import dataclass, field

from warroom.incidents.grouping import group_key
from warroom.playbook.loader import load_playbook
from warroom.playbook.schema import Grouping

GROUPING = load_playbook().grouping


@dataclass
class Alert:
    name: str
    service: str | None = "fraud"
    labels: dict[str, str] = field(default_factory=lambda: {"version": "v2"})


DETECTOR_ALERTS = (
    "HighErrorRate",
    "ServiceDown",
    "ModelNotLoaded",
    "HighLatency",
    "HighPredictionErrorRate",
    "DriftDetected",
    "DriftCritical",
)


def test_every_detector_alert_on_one_version_is_one_incident() -> None:
    keys = {group_key(Alert(name), GROUPING) for name in DETECTOR_ALERTS}
    assert len(keys) == 1


def test_other_versions_services_and_faults_are_other_incidents() -> None:
    errors = group_key(Alert("HighErrorRate"), GROUPING)
    assert errors != group_key(Alert("HighErrorRate", labels={"version": "v1"}), GROUPING)
    assert errors != group_key(Alert("HighErrorRate", service="search"), GROUPING)
    assert errors != group_key(Alert("HighMemoryUsage"), GROUPING)
    assert errors != group_key(Alert("DriftDetected", labels={"version": "v3"}), GROUPING)


def test_families_are_a_setting() -> None:
    own = Grouping(families={"slow": ["HighLatency", "HighErrorRate"]})
    assert group_key(Alert("HighLatency"), own) == group_key(Alert("HighErrorRate"), own)
    assert group_key(Alert("ServiceDown"), own) != group_key(Alert("HighErrorRate"), own)
