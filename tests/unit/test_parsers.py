"""Every wire format, with real payloads where we have them."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from warroom.alerts.parsers import alertmanager, common, generic, grafana, pagerduty
from warroom.errors import InvalidInput

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
FIRING = "alertmanager-0.25-webhook-firing.json"
RESOLVED = "alertmanager-0.25-webhook-resolved.json"


def fixtures_dir() -> Path | None:
    """``shared/fixtures`` in the nearest ancestor (so beside a clone too), else the copies."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "fixtures"
        if (candidate / FIRING).is_file():
            return candidate
    vendored = here.parents[1] / "fixtures"
    return vendored if (vendored / FIRING).is_file() else None


def fixture(name: str) -> dict[str, Any]:
    folder = fixtures_dir()
    if folder is None:
        pytest.skip(f"{name}: no shared/fixtures above {Path(__file__).parent}, no tests/fixtures")
    return json.loads((folder / name).read_text())


def first_loc(err: pytest.ExceptionInfo[ValidationError]) -> tuple[int | str, ...]:
    return err.value.errors()[0]["loc"]


# common


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-23T12:42:23.895007Z", datetime(2026, 11, 23, 12, 42, 23, 895007, tzinfo=UTC)),
        ("2021-10-12T09:51:03.157076+02:00", datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)),
        ("2026-11-23T12:42:23", datetime(2026, 11, 23, 12, 42, 23, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
        ("0001-01-01T00:00:00+01:00", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_time(raw: str | None, expected: datetime | None) -> None:
    parsed = common.parse_time(raw)
    assert parsed == expected
    assert parsed is None or parsed.utcoffset() == timedelta(0)


def test_parse_time_refuses_garbage() -> None:
    with pytest.raises(ValueError):
        common.parse_time("yesterday")


def test_extract_metrics_rules() -> None:
    labels = {"error_rate": "0.1", "instance": "10.0.0.1:8080", "metric_queue_depth": "7"}
    annotations = {
        "error_rate": "0.62",
        "availability": "n/a",
        "latency_p95_ms": "inf",
        "metric_": "3",
        "drift_score": True,
        "summary": "0.5",
    }
    assert common.extract_metrics(labels, None, annotations) == {
        "error_rate": 0.62,
        "queue_depth": 7.0,
    }


def test_service_from_labels_prefers_service_then_app_then_job() -> None:
    assert common.service_from_labels({"job": "j", "app": "a", "service": "s"}) == "s"
    assert common.service_from_labels({"job": "j", "app": "a", "service": ""}) == "a"
    assert common.service_from_labels({"job": "j"}) == "j"
    assert common.service_from_labels({}) is None


def test_label_fingerprint_is_stable_and_order_free() -> None:
    a = common.label_fingerprint("generic", "A", "s", {"x": "1", "y": "2"})
    b = common.label_fingerprint("generic", "A", "s", {"y": "2", "x": "1"})
    assert a == b and len(a) == 16 and int(a, 16) >= 0
    assert a != common.label_fingerprint("generic", "A", "t", {"x": "1", "y": "2"})
    assert a != common.label_fingerprint("grafana", "A", "s", {"x": "1", "y": "2"})


# Alertmanager


def test_alertmanager_firing_fixture() -> None:
    payload = alertmanager.AlertmanagerWebhook.model_validate(fixture(FIRING))
    alerts = alertmanager.to_alerts(payload, now=NOW)
    assert len(alerts) == 2
    assert [a.fingerprint for a in alerts] == ["202523653324d652", "3564f6e3503addb1"]
    for alert in alerts:
        assert (alert.source, alert.name, alert.service, alert.severity, alert.status) == (
            "alertmanager",
            "HighErrorRate",
            "fraud-model",
            "critical",
            "firing",
        )
        assert alert.ends_at is None  # Go's zero time while firing
        assert alert.starts_at == datetime(2026, 11, 23, 12, 42, 23, 895007, tzinfo=UTC)
        assert alert.starts_at.utcoffset() == timedelta(0)
        assert alert.summary == "5xx error rate above 5% for 5 minutes"
        assert not alert.acknowledge
    assert [a.labels["instance"] for a in alerts] == ["10.0.0.0:8080", "10.0.0.1:8080"]


def test_alertmanager_resolved_fixture() -> None:
    payload = alertmanager.AlertmanagerWebhook.model_validate(fixture(RESOLVED))
    alerts = alertmanager.to_alerts(payload, now=NOW)
    assert [a.status for a in alerts] == ["resolved", "resolved"]
    assert [a.ends_at for a in alerts] == [
        datetime(2026, 11, 23, 12, 42, 24, 396772, tzinfo=UTC),
        datetime(2026, 11, 23, 12, 42, 24, 396872, tzinfo=UTC),
    ]
    assert [a.fingerprint for a in alerts] == ["202523653324d652", "3564f6e3503addb1"]


def test_alertmanager_metrics_from_annotations_over_labels() -> None:
    raw = fixture(FIRING)
    raw["alerts"][0]["labels"]["error_rate"] = "0.1"
    raw["alerts"][0]["annotations"].update(
        {"error_rate": "0.62", "metric_queue_depth": "12", "availability": "n/a"}
    )
    payload = alertmanager.AlertmanagerWebhook.model_validate(raw)
    first, second = alertmanager.to_alerts(payload, now=NOW)
    assert first.metrics == {"error_rate": 0.62, "queue_depth": 12.0}
    assert second.metrics == {}


def test_alertmanager_edge_times_and_fingerprint_fallback() -> None:
    raw = fixture(RESOLVED)
    del raw["alerts"][0]["fingerprint"]
    raw["alerts"][0]["endsAt"] = "0001-01-01T00:00:00Z"  # resolved, yet no end given
    raw["alerts"][1]["status"] = "firing"
    raw["alerts"][1]["endsAt"] = "2026-11-23T13:10:00Z"  # only when it would lapse
    payload = alertmanager.AlertmanagerWebhook.model_validate(raw)
    first, second = alertmanager.to_alerts(payload, now=NOW)
    assert first.ends_at == NOW
    labels = raw["alerts"][0]["labels"]
    reordered = dict(reversed(list(labels.items())))
    fallback = common.label_fingerprint("alertmanager", "HighErrorRate", "fraud-model", reordered)
    assert first.fingerprint == fallback
    assert (second.status, second.ends_at) == ("firing", None)


@pytest.mark.parametrize(
    ("mutate", "loc"),
    [
        (lambda p: p["alerts"][0].update(startsAt="yesterday"), ("alerts", 0, "startsAt")),
        (lambda p: p["alerts"][1].update(endsAt="never"), ("alerts", 1, "endsAt")),
        (lambda p: p["alerts"][0]["labels"].pop("alertname"), ("alerts", 0, "labels")),
        (lambda p: p["alerts"][1]["labels"].update(alertname="A" * 201), ("alerts", 1, "labels")),
        (lambda p: p["alerts"][0]["labels"].update(port=8080), ("alerts", 0, "labels", "port")),
        (lambda p: p["alerts"][0].update(status="pending"), ("alerts", 0, "status")),
        (lambda p: p.update(version="5"), ("version",)),
        (lambda p: p.pop("alerts"), ("alerts",)),
    ],
)
def test_alertmanager_errors_point_at_the_field(mutate, loc) -> None:
    raw = fixture(FIRING)
    mutate(raw)
    with pytest.raises(ValidationError) as err:
        alertmanager.AlertmanagerWebhook.model_validate(raw)
    assert first_loc(err) == loc


def test_alertmanager_keeps_extra_fields() -> None:
    raw = fixture(FIRING)
    raw["somethingNew"] = {"x": 1}
    raw["alerts"][0]["newField"] = "y"
    assert len(alertmanager.to_alerts(alertmanager.AlertmanagerWebhook(**raw), now=NOW)) == 2


@pytest.mark.parametrize(
    ("labels", "refused"),
    [
        ({}, None),
        ({"service": "s" * 200, "severity": "x" * 32}, None),
        ({"service": "s" * 201}, "alerts.1: service"),
        ({"service": "", "app": "a" * 201}, "alerts.1: service"),
        ({"app": "a" * 200, "job": "j" * 201}, None),
        ({"job": "j" * 201}, "alerts.1: service"),
        ({"severity": "x" * 33}, "alerts.1: severity"),
        ({"error_rate": "nan", "metric_x": "inf", "severity": ""}, None),
    ],
)
def test_alertmanager_count_refuses_what_to_alerts_refuses(
    labels: dict[str, str], refused: str | None
) -> None:
    # The webhook answers after count(); the processor builds the alerts with to_alerts()
    # later, so what count() accepts, to_alerts() must build, with the same error otherwise.
    raw = fixture(FIRING)
    own = raw["alerts"][1]["labels"]
    for key in ("service", "app", "job", "severity"):
        own.pop(key, None)
    own.update(labels)
    payload = alertmanager.AlertmanagerWebhook.model_validate(raw)
    if refused is None:
        assert alertmanager.count(payload, now=NOW) == len(alertmanager.to_alerts(payload, now=NOW))
        return
    with pytest.raises(InvalidInput, match=refused) as counted:
        alertmanager.count(payload, now=NOW)
    with pytest.raises(InvalidInput) as built:
        alertmanager.to_alerts(payload, now=NOW)
    assert str(counted.value) == str(built.value)


# generic

GENERIC: TypeAdapter[generic.GenericPayload] = TypeAdapter(generic.GenericPayload)


def test_generic_single_and_list() -> None:
    (one,) = generic.to_alerts(GENERIC.validate_python({"name": "A", "service": "s"}), now=NOW)
    assert (one.source, one.name, one.service, one.status) == ("generic", "A", "s", "firing")
    assert one.starts_at == NOW and one.ends_at is None
    many = GENERIC.validate_python(
        [
            {"name": "A", "metrics": {"error_rate": 0.6}, "starts_at": "2026-11-23T14:00:00+02:00"},
            {"name": "B", "status": "resolved", "fingerprint": "fp-b"},
        ]
    )
    first, second = generic.to_alerts(many, now=NOW)
    assert first.metrics == {"error_rate": 0.6}
    assert first.starts_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert first.starts_at.utcoffset() == timedelta(0)
    assert (second.name, second.status, second.ends_at, second.fingerprint) == (
        "B",
        "resolved",
        NOW,
        "fp-b",
    )


def test_generic_fingerprint_is_stable_and_label_order_free() -> None:
    a = GENERIC.validate_python({"name": "A", "labels": {"x": "1", "y": "2"}})
    b = GENERIC.validate_python({"name": "A", "labels": {"y": "2", "x": "1"}})
    c = GENERIC.validate_python({"name": "A", "labels": {"x": "1", "y": "3"}})
    fa, fb, fc = (generic.to_alerts(p, now=NOW)[0].fingerprint for p in (a, b, c))
    assert fa == fb != fc
    assert fa == generic.to_alerts(a, now=NOW + timedelta(hours=1))[0].fingerprint


@pytest.mark.parametrize(
    ("bad", "loc"),
    [
        ({"name": "A", "sevrity": "P1"}, ("alert", "sevrity")),
        ({"name": ""}, ("alert", "name")),
        ({"service": "s"}, ("alert", "name")),
        ({"name": "A", "metrics": {"error_rate": "high"}}, ("alert", "metrics", "error_rate")),
        ({"name": "A", "metrics": {"error_rate": "nan"}}, ("alert", "metrics", "error_rate")),
        ({"name": "A", "starts_at": "2026-01-01T00:00:00"}, ("alert", "starts_at")),
        ({"name": "A", "status": "open"}, ("alert", "status")),
        ([{"name": "A"}, {"name": "B", "lables": {}}], ("alerts", 1, "lables")),
        ([], ("alerts",)),
        ([{"name": "A"}] * 1001, ("alerts",)),
        ("A", ("alert",)),
    ],
)
def test_generic_refuses_bad_input(bad: Any, loc: tuple[int | str, ...]) -> None:
    with pytest.raises(ValidationError) as err:
        GENERIC.validate_python(bad)
    assert [e["loc"] for e in err.value.errors()] == [loc]


# Grafana: the shape of Grafana's documented webhook body (unified alerting, version "1").

GRAFANA: dict[str, Any] = {
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
            "annotations": {
                "description": "prediction errors above 5% for 5 minutes",
                "runbook_url": "https://runbooks.example/prediction-errors",
                "summary": "churn-model prediction errors above 5%",
            },
            "startsAt": "2026-11-23T13:50:03.157076+01:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example/alerting/grafana/f1a2b3c4/view?orgId=1",
            "fingerprint": "57c6d9296de2ad39",
            "silenceURL": "https://grafana.example/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "https://grafana.example/d/ml-serving?orgId=1",
            "panelURL": "https://grafana.example/d/ml-serving?orgId=1&viewPanel=2",
            "values": {"B": 0.083, "error_rate": 0.083, "C": 1, "D": None},
            "valueString": "[ var='B' labels={service=churn-model} value=0.083 ]",
        },
        {
            "status": "resolved",
            "labels": {"alertname": "SlowPredictions", "app": "churn-model"},
            "annotations": {"description": "p95 latency back under 200 ms"},
            "startsAt": "2026-11-23T12:30:00Z",
            "endsAt": "2026-11-23T12:55:00.5Z",
            "generatorURL": "https://grafana.example/alerting/grafana/d5e6f7a8/view?orgId=1",
            "fingerprint": "bc97ff14869b13e3",
            "silenceURL": "https://grafana.example/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"latency_p95_ms": 180.5},
            "valueString": "[ var='latency_p95_ms' labels={} value=180.5 ]",
        },
    ],
    "groupLabels": {"grafana_folder": "ML"},
    "commonLabels": {"grafana_folder": "ML"},
    "commonAnnotations": {},
    "externalURL": "https://grafana.example/",
    "version": "1",
    "groupKey": '{}/{__grafana_autogenerated__="true"}:{grafana_folder="ML"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:1, RESOLVED:1]  (ML)",
    "state": "alerting",
    "message": "**Firing**\n\nValue: B=0.083\n",
}


def test_grafana_payload() -> None:
    payload = grafana.GrafanaWebhook.model_validate(GRAFANA)
    firing, resolved = grafana.to_alerts(payload, now=NOW)
    assert (firing.source, firing.name, firing.service, firing.severity) == (
        "grafana",
        "HighPredictionErrorRate",
        "churn-model",
        "warning",
    )
    assert firing.metrics == {"error_rate": 0.083}
    assert firing.fingerprint == "57c6d9296de2ad39"
    assert firing.summary == "churn-model prediction errors above 5%"
    assert firing.starts_at == datetime(2026, 11, 23, 12, 50, 3, 157076, tzinfo=UTC)
    assert firing.ends_at is None
    assert (resolved.name, resolved.service, resolved.status) == (
        "SlowPredictions",
        "churn-model",
        "resolved",
    )
    assert resolved.summary == "p95 latency back under 200 ms"
    assert resolved.metrics == {"latency_p95_ms": 180.5}
    assert resolved.ends_at == datetime(2026, 11, 23, 12, 55, 0, 500000, tzinfo=UTC)


def test_grafana_without_values_or_alertname() -> None:
    raw = copy.deepcopy(GRAFANA)
    raw["alerts"][0]["values"] = None
    raw["alerts"][0]["labels"] = {"service": "churn-model", "metric_psi": "0.3"}
    del raw["alerts"][0]["fingerprint"]
    first = grafana.to_alerts(grafana.GrafanaWebhook.model_validate(raw), now=NOW)[0]
    assert first.name == GRAFANA["title"]
    assert first.metrics == {"psi": 0.3}
    assert len(first.fingerprint) == 16


@pytest.mark.parametrize(
    ("mutate", "loc"),
    [
        (lambda p: p["alerts"][1].pop("startsAt"), ("alerts", 1, "startsAt")),
        (lambda p: p["alerts"][0]["values"].update(B="high"), ("alerts", 0, "values", "B")),
        (lambda p: p.update(status="alerting"), ("status",)),
    ],
)
def test_grafana_errors_point_at_the_field(mutate, loc) -> None:
    raw = copy.deepcopy(GRAFANA)
    mutate(raw)
    with pytest.raises(ValidationError) as err:
        grafana.GrafanaWebhook.model_validate(raw)
    assert first_loc(err) == loc


# PagerDuty Events API v2


def pd_trigger(**payload: Any) -> dict[str, Any]:
    body = {"summary": "Model endpoint down", "source": "prod-gw-1", "severity": "critical"}
    return {"routing_key": "r" * 32, "event_action": "trigger", "payload": body | payload}


def test_pagerduty_trigger_generates_dedup_key() -> None:
    event = pagerduty.PagerDutyEvent.model_validate(
        pd_trigger(
            component="fraud-model",
            group="prod",
            custom_details={"availability": 0.2, "metric_psi": "0.4", "note": "503s", "n": [1]},
            **{"class": "ServiceDown"},
        )
    )
    key = pagerduty.dedup_key_of(event)
    assert len(key) == 32 and int(key, 16) >= 0
    assert pagerduty.dedup_key_of(event) == key == event.dedup_key
    (alert,) = pagerduty.to_alerts(event, now=NOW)
    assert alert.fingerprint == key
    assert (alert.source, alert.name, alert.service, alert.severity, alert.status) == (
        "pagerduty",
        "ServiceDown",
        "fraud-model",
        "critical",
        "firing",
    )
    assert alert.metrics == {"availability": 0.2, "psi": 0.4}
    assert alert.annotations["note"] == "503s" and alert.annotations["n"] == "[1]"
    assert alert.labels == {
        "source": "prod-gw-1",
        "component": "fraud-model",
        "group": "prod",
        "class": "ServiceDown",
    }
    assert (alert.starts_at, alert.ends_at, alert.acknowledge) == (NOW, None, False)


def test_pagerduty_each_trigger_gets_its_own_key_unless_given() -> None:
    a, b = (pagerduty.PagerDutyEvent.model_validate(pd_trigger()) for _ in range(2))
    assert a.dedup_key != b.dedup_key
    given = pagerduty.PagerDutyEvent.model_validate(pd_trigger() | {"dedup_key": "srv01/HTTP"})
    assert pagerduty.to_alerts(given, now=NOW)[0].fingerprint == "srv01/HTTP"


@pytest.mark.parametrize("severity", ["critical", "error", "warning", "info"])
def test_pagerduty_severity_is_kept(severity: str) -> None:
    event = pagerduty.PagerDutyEvent.model_validate(pd_trigger(severity=severity))
    assert pagerduty.to_alerts(event, now=NOW)[0].severity == severity


@pytest.mark.parametrize(
    ("payload", "name", "service"),
    [
        (
            {"component": "c", "class": "K", "custom_details": {"alertname": "A", "service": "s"}},
            "A",
            "c",
        ),
        ({"class": "K", "custom_details": {"service": "s"}}, "K", "s"),
        ({"custom_details": {"service": 3}}, "Model endpoint down", "prod-gw-1"),
        ({"summary": "x" * 300}, "x" * 200, "prod-gw-1"),
    ],
)
def test_pagerduty_name_and_service_precedence(payload, name: str, service: str) -> None:
    event = pagerduty.PagerDutyEvent.model_validate(pd_trigger(**payload))
    (alert,) = pagerduty.to_alerts(event, now=NOW)
    assert (alert.name, alert.service) == (name, service)


def test_pagerduty_timestamp_becomes_utc_start() -> None:
    event = pagerduty.PagerDutyEvent.model_validate(
        pd_trigger(timestamp="2026-11-23T14:30:00.000+02:00")
    )
    assert pagerduty.to_alerts(event, now=NOW)[0].starts_at == datetime(
        2026, 11, 23, 12, 30, tzinfo=UTC
    )


def test_pagerduty_acknowledge_and_resolve() -> None:
    ack = pagerduty.PagerDutyEvent.model_validate(
        {"routing_key": "k", "event_action": "acknowledge", "dedup_key": "abc"}
    )
    (a,) = pagerduty.to_alerts(ack, now=NOW)
    assert (a.acknowledge, a.status, a.fingerprint, a.name, a.starts_at, a.ends_at) == (
        True,
        "firing",
        "abc",
        "abc",
        NOW,
        None,
    )
    done = pagerduty.PagerDutyEvent.model_validate(
        {"routing_key": "k", "event_action": "resolve", "dedup_key": "abc"}
    )
    (r,) = pagerduty.to_alerts(done, now=NOW)
    assert (r.status, r.ends_at, r.acknowledge, r.fingerprint) == ("resolved", NOW, False, "abc")
    assert pagerduty.dedup_key_of(done) == "abc"


def test_pagerduty_resolve_with_payload() -> None:
    event = pagerduty.PagerDutyEvent.model_validate(
        pd_trigger(custom_details={"error_rate": 0.01})
        | {"event_action": "resolve", "dedup_key": "abc"}
    )
    (r,) = pagerduty.to_alerts(event, now=NOW)
    assert (r.status, r.ends_at, r.name, r.metrics) == (
        "resolved",
        NOW,
        "Model endpoint down",
        {"error_rate": 0.01},
    )


@pytest.mark.parametrize(
    ("bad", "loc", "message"),
    [
        ({"event_action": "resolve"}, ("dedup_key",), "dedup_key is required"),
        ({"event_action": "acknowledge"}, ("dedup_key",), "dedup_key is required"),
        ({"event_action": "trigger"}, ("payload",), "payload is required"),
        ({"event_action": "snooze", "dedup_key": "x"}, ("event_action",), "trigger"),
        ({"event_action": "resolve", "dedup_key": ""}, ("dedup_key",), "at least 1"),
        ({"event_action": "resolve", "dedup_key": "x", "routing_key": ""}, ("routing_key",), None),
        (pd_trigger(severity="fatal"), ("payload", "severity"), "critical"),
        (pd_trigger(summary=""), ("payload", "summary"), None),
        (pd_trigger(timestamp="noon"), ("payload", "timestamp"), None),
        (pd_trigger(custom_details="text"), ("payload", "custom_details"), None),
    ],
)
def test_pagerduty_refuses_bad_events(bad: dict, loc: tuple[str, ...], message: str | None) -> None:
    with pytest.raises(ValidationError, match=message) as err:
        pagerduty.PagerDutyEvent.model_validate(bad)
    assert [e["loc"] for e in err.value.errors()] == [loc]
