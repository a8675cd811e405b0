"""Every wire format, with real payloads where we have them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from tests.conftest import find_shared
from warroom.alerts.parsers import alertmanager, generic, grafana, pagerduty

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


def fixture(name: str) -> dict:
    folder = find_shared("fixtures")
    if folder is None:
        pytest.skip("shared/fixtures not found beside the repository")
    return json.loads((folder / name).read_text())


def test_alertmanager_firing_fixture() -> None:
    payload = alertmanager.AlertmanagerWebhook.model_validate(
        fixture("alertmanager-0.25-webhook-firing.json")
    )
    alerts = alertmanager.to_alerts(payload, now=NOW)
    assert [a.fingerprint for a in alerts] == ["202523653324d652", "3564f6e3503addb1"]
    first = alerts[0]
    assert (first.name, first.service, first.severity, first.status) == (
        "HighErrorRate",
        "fraud-model",
        "critical",
        "firing",
    )
    assert first.ends_at is None  # Go's zero time while firing
    assert first.starts_at == datetime(2026, 11, 23, 12, 42, 23, 895007, tzinfo=UTC)
    assert first.summary == "5xx error rate above 5% for 5 minutes"
    assert first.labels["instance"] == "10.0.0.0:8080"


def test_alertmanager_resolved_fixture() -> None:
    payload = alertmanager.AlertmanagerWebhook.model_validate(
        fixture("alertmanager-0.25-webhook-resolved.json")
    )
    alerts = alertmanager.to_alerts(payload, now=NOW)
    assert {a.status for a in alerts} == {"resolved"}
    assert all(a.ends_at is not None and a.ends_at.tzinfo is not None for a in alerts)
    assert [a.fingerprint for a in alerts] == ["202523653324d652", "3564f6e3503addb1"]


def test_alertmanager_metrics_from_annotations() -> None:
    raw = fixture("alertmanager-0.25-webhook-firing.json")
    raw["alerts"][0]["annotations"].update({"error_rate": "0.62", "metric_queue_depth": "12"})
    raw["alerts"][0]["annotations"]["availability"] = "n/a"
    payload = alertmanager.AlertmanagerWebhook.model_validate(raw)
    first = alertmanager.to_alerts(payload, now=NOW)[0]
    assert first.metrics == {"error_rate": 0.62, "queue_depth": 12.0}


@pytest.mark.parametrize(
    ("mutate", "loc"),
    [
        (lambda p: p["alerts"][1].update(startsAt="yesterday"), ("alerts", 1, "startsAt")),
        (lambda p: p["alerts"][0]["labels"].pop("alertname"), ("alerts", 0, "labels")),
        (lambda p: p["alerts"][0].update(status="pending"), ("alerts", 0, "status")),
        (lambda p: p.pop("alerts"), ("alerts",)),
    ],
)
def test_alertmanager_errors_point_at_the_field(mutate, loc) -> None:
    raw = fixture("alertmanager-0.25-webhook-firing.json")
    mutate(raw)
    with pytest.raises(ValidationError) as err:
        alertmanager.AlertmanagerWebhook.model_validate(raw)
    assert err.value.errors()[0]["loc"] == loc


GENERIC = TypeAdapter(generic.GenericPayload)


def test_generic_single_and_list() -> None:
    one = generic.to_alerts(GENERIC.validate_python({"name": "A", "service": "s"}), now=NOW)
    assert len(one) == 1 and one[0].starts_at == NOW and one[0].source == "generic"
    many = GENERIC.validate_python([{"name": "A"}, {"name": "B", "status": "resolved"}])
    alerts = generic.to_alerts(many, now=NOW)
    assert [a.name for a in alerts] == ["A", "B"]
    assert alerts[1].ends_at == NOW


def test_generic_fingerprint_is_stable_and_label_order_free() -> None:
    a = GENERIC.validate_python({"name": "A", "labels": {"x": "1", "y": "2"}})
    b = GENERIC.validate_python({"name": "A", "labels": {"y": "2", "x": "1"}})
    c = GENERIC.validate_python({"name": "A", "labels": {"x": "1", "y": "3"}})
    fa, fb, fc = (generic.to_alerts(p, now=NOW)[0].fingerprint for p in (a, b, c))
    assert fa == fb != fc


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "A", "sevrity": "P1"},
        {"name": ""},
        {"name": "A", "metrics": {"error_rate": "high"}},
        {"name": "A", "starts_at": "2026-01-01T00:00:00"},
        [],
    ],
)
def test_generic_refuses_bad_input(bad) -> None:
    with pytest.raises(ValidationError):
        GENERIC.validate_python(bad)


GRAFANA = {
    "receiver": "warroom",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "HighPredictionErrorRate",
                "grafana_folder": "ML",
                "service": "churn-model",
                "severity": "warning",
            },
            "annotations": {"summary": "prediction errors above 12%"},
            "startsAt": "2026-11-23T12:50:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://grafana.local/alerting/grafana/abc/view",
            "fingerprint": "57c6d9296de2ad39",
            "silenceURL": "http://grafana.local/alerting/silence/new",
            "dashboardURL": "http://grafana.local/d/xyz",
            "panelURL": "http://grafana.local/d/xyz?viewPanel=2",
            "values": {"B": 0.12, "error_rate": 0.12, "C": None},
            "valueString": "[ var='B' labels={} value=0.12 ]",
        }
    ],
    "groupLabels": {"alertname": "HighPredictionErrorRate"},
    "commonLabels": {"alertname": "HighPredictionErrorRate"},
    "commonAnnotations": {},
    "externalURL": "http://grafana.local/",
    "version": "1",
    "groupKey": '{}:{alertname="HighPredictionErrorRate"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:1] HighPredictionErrorRate ML",
    "state": "alerting",
    "message": "**Firing**",
}


def test_grafana_payload() -> None:
    (alert,) = grafana.to_alerts(grafana.GrafanaWebhook.model_validate(GRAFANA), now=NOW)
    assert alert.source == "grafana"
    assert alert.name == "HighPredictionErrorRate"
    assert alert.service == "churn-model"
    assert alert.metrics == {"error_rate": 0.12}
    assert alert.fingerprint == "57c6d9296de2ad39"
    assert alert.ends_at is None


def test_pagerduty_trigger_generates_dedup_key() -> None:
    event = pagerduty.PagerDutyEvent.model_validate(
        {
            "routing_key": "r" * 32,
            "event_action": "trigger",
            "payload": {
                "summary": "Model endpoint down",
                "source": "prod-gw-1",
                "severity": "critical",
                "component": "fraud-model",
                "class": "ServiceDown",
                "custom_details": {"availability": 0.2, "note": "503s"},
            },
        }
    )
    (alert,) = pagerduty.to_alerts(event, now=NOW)
    assert alert.fingerprint == pagerduty.dedup_key_of(event) and len(alert.fingerprint) == 32
    assert (alert.name, alert.service, alert.severity) == ("ServiceDown", "fraud-model", "critical")
    assert alert.metrics == {"availability": 0.2}
    assert alert.annotations["note"] == "503s"


def test_pagerduty_acknowledge_and_resolve() -> None:
    ack = pagerduty.PagerDutyEvent.model_validate(
        {"routing_key": "k", "event_action": "acknowledge", "dedup_key": "abc"}
    )
    (a,) = pagerduty.to_alerts(ack, now=NOW)
    assert a.acknowledge and a.status == "firing" and a.fingerprint == "abc"
    done = pagerduty.PagerDutyEvent.model_validate(
        {"routing_key": "k", "event_action": "resolve", "dedup_key": "abc"}
    )
    (r,) = pagerduty.to_alerts(done, now=NOW)
    assert r.status == "resolved" and r.ends_at == NOW


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"event_action": "resolve"}, "dedup_key is required"),
        ({"event_action": "trigger"}, "payload is required"),
        ({"event_action": "snooze", "dedup_key": "x"}, "event_action"),
        (
            {
                "event_action": "trigger",
                "payload": {"summary": "s", "source": "x", "severity": "fatal"},
            },
            "severity",
        ),
    ],
)
def test_pagerduty_refuses_bad_events(bad: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        pagerduty.PagerDutyEvent.model_validate(bad)
