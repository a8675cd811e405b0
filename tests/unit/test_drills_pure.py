"""Pure parts of drills and recovery: stage verdicts, the stability decision, the faults."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from warroom.detect.windows import OutcomeWindow
from warroom.drills.stages import Facts, Targets, evaluate, judge, passed
from warroom.errors import NotFound
from warroom.gateway.faults import FaultTable, InjectedFault, make, shifted
from warroom.gateway.routing import ServiceRuntime, VersionRuntime
from warroom.rollback.stability import judge as stable

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TARGETS = Targets(
    detection_s=300, page_s=60, acknowledgement_s=300, rollback_s=120, recovery_s=1800
)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_every_stage_judged_against_its_target() -> None:
    facts = Facts(
        injected_at=T0,
        detected_at=at(2),
        paged_at=at(3),
        acknowledged_at=at(400),  # later than the 5 min response time
        rollback_expected=True,
        rollback_requested_at=at(2),
        rollback_finished_at=at(12),
        rollback_state="succeeded",
        recovered_at=at(13),
    )
    stages = {s.name: (s.status, s.seconds) for s in evaluate(facts, TARGETS)}
    assert stages == {
        "detection": ("pass", 2.0),
        "page": ("pass", 1.0),
        "acknowledgement": ("fail", 398.0),
        "rollback": ("pass", 10.0),
        "recovery": ("pass", 13.0),
    }
    assert not passed(evaluate(facts, TARGETS))


def test_missing_expected_stages_fail_and_unexpected_ones_are_not_applicable() -> None:
    nothing = evaluate(Facts(injected_at=T0), TARGETS)
    assert [s.status for s in nothing] == ["fail", "fail", "fail", "n/a", "fail"]
    quiet = Facts(
        injected_at=T0,
        detected_at=at(1),
        page_expected=False,
        ack_expected=False,
        recovered_at=at(5),
    )
    assert [s.status for s in evaluate(quiet, TARGETS)] == ["pass", "n/a", "n/a", "n/a", "pass"]
    failed = Facts(
        injected_at=T0,
        detected_at=at(1),
        paged_at=at(1),
        acknowledged_at=at(2),
        rollback_expected=True,
        rollback_requested_at=at(1),
        rollback_finished_at=at(5),
        rollback_state="failed",
        recovered_at=at(9),
    )
    assert [s.status for s in evaluate(failed, TARGETS)][3] == "fail"
    assert judge("recovery", 9999.0, None, expected=True).status == "pass"  # no target


def test_stability_resolves_only_a_quiet_monitored_incident() -> None:
    window = timedelta(minutes=30)
    assert stable(status="monitoring", since=T0, last_alert_at=at(-5), firing=0, window=window)
    again = stable(status="monitoring", since=T0, last_alert_at=at(60), firing=0, window=window)
    assert not again.resolve and "fired again" in again.reason
    firing = stable(status="monitoring", since=T0, last_alert_at=at(-5), firing=1, window=window)
    assert not firing.resolve and "still firing" in firing.reason
    moved = stable(status="resolved", since=T0, last_alert_at=None, firing=0, window=window)
    assert not moved.resolve


def test_drift_lowers_confidence_and_positives() -> None:
    before = np.array([0.1, 0.9])
    after = shifted(before, 0.6)
    assert after.sum() == pytest.approx(1.0)
    assert 0.6 > after[1] > 0.5  # from a confident yes to a low-confidence one
    assert shifted(np.array([0.6, 0.4]), 0.6)[1] < 0.4  # and an unsure no is a surer no
    assert shifted(np.array([0.2, 0.3, 0.5]), 0.6).tolist() == [0.2, 0.3, 0.5]  # multiclass kept


class Model:
    def predict_proba(self, rows: list[list[float]]) -> list[list[float]]:
        return [[0.2, 0.8] for _ in rows]


def runtime() -> ServiceRuntime:
    svc = ServiceRuntime(name="s", degraded=False, fallback=None)
    for name in ("v1", "v2"):
        svc.versions[name] = VersionRuntime(
            name, 50, True, 0.5, None, None, OutcomeWindow(100), predictor=Model()
        )
    return svc


def test_faults_hit_only_their_versions_expire_and_label_drill_alerts() -> None:
    table, svc = FaultTable(), runtime()
    assert not table  # the request path's only check when no drill runs
    now = time.time()
    table.inject(
        make(service="s", kind="service-down", versions=["v2"], actor="a", ttl_s=60, now=now)
    )
    assert table.labels("s", "v2") == {"drill": "true"} and table.labels("s", "v1") == {}
    assert table.predict(svc, svc.versions["v1"], [1.0]).tolist() == [0.2, 0.8]
    with pytest.raises(InjectedFault):
        table.predict(svc, svc.versions["v2"], [1.0])
    assert table.current("s", now=now + 61) is None and not table  # expired: gone
    fault = make(
        service="s", kind="model-not-loaded", versions=["v2"], actor="a", ttl_s=60, now=now
    )
    table.inject(fault)
    with pytest.raises(NotFound):
        table.predict(svc, svc.versions["v2"], [1.0])
    assert svc.versions["v2"].load_error == fault.message
    assert table.remove("s", svc) == fault and svc.versions["v2"].load_error is None


def test_forget_drops_what_the_fault_made_the_window_record() -> None:
    window = OutcomeWindow(8)
    for i in range(10):  # wraps the ring buffer
        window.add(at=float(i), ok=i < 6, latency_ms=1.0, probability=0.5, predicted=1, request=i)
    table = FaultTable()
    table.inject(make(service="s", kind="error-burst", versions=["v"], actor="a", ttl_s=9, now=6.0))
    assert table.forget("s", {("s", "v"): window}) is not None
    stats = window.stats()
    assert (stats.count, stats.errors) == (4, 0)  # 2..5 kept, 6..9 forgotten
    assert window.counts.totals(now=10.0, window=100) == (6, 0)  # the per-second counts
    window.add(at=11.0, ok=True, latency_ms=1.0, probability=0.5, predicted=1, request=11)
    assert window.stats().count == 5
    assert table.forget("s", {}) is None  # once
