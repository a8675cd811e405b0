"""The detector loop: every few seconds, run the detectors over each live version of each
service the gateway fronts, and turn findings into ordinary alerts through the intake.

A finding that appears fires an alert (source ``detector``, fingerprint
``service/version/measure``: ``availability`` for HighErrorRate, ServiceDown and
ModelNotLoaded, ``drift`` for DriftDetected and DriftCritical, else the alert name); one that
persists repeats it with fresh metrics (the playbook may raise the incident's severity); one
that clears resolves it. The playbook's grouping families then put the alerts of one fault
on one version (errors, or wrong answers seen as drift and as an accuracy drop) into one
incident. Drift findings also apply the playbook's drift actions, once each, on the
incident's timeline.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select

from warroom.alerts.models import Alert, AlertCreate
from warroom.deploy import registry
from warroom.detect import baselines
from warroom.detect.detectors import Finding, Observation, detect
from warroom.detect.windows import OutcomeWindow
from warroom.gateway.mitigate import apply_drift_actions
from warroom.gateway.routing import VersionRuntime
from warroom.gateway.runtime import Gateway
from warroom.intake.batch import ingest_batch
from warroom.playbook.schema import DetectionPolicy

log = logging.getLogger(__name__)
SOURCE = "detector"


def observe(v: VersionRuntime, policy: DetectionPolicy, *, now: float) -> Observation:
    """What the detectors need of one version, read from its windows."""
    lengths = {policy.fast_window.total_seconds()}
    for w in policy.burn_windows:
        lengths |= {w.long.total_seconds(), w.short.total_seconds()}
    fast = policy.fast_window.total_seconds()
    confirm = max(fast, policy.latency_confirm_window.total_seconds())
    stats = v.window.stats(since=now - fast)
    horizon = now - policy.label_horizon.total_seconds()
    if stats.count < policy.min_requests:
        # A quiet version (a canary at 10 %): its last requests of up to 5 minutes, so that
        # it is judged once it has served the minimum, not never.
        stats = v.window.stats(since=now - QUIET_SPAN, last=policy.min_requests)
    return Observation(
        fast=stats,
        confirm=v.window.stats(since=now - confirm),
        recent=tuple(v.window.stats(since=now - QUIET_SPAN, last=n) for n in RECENT),
        counts={s: v.window.counts.totals(now=now, window=s) for s in lengths},
        probabilities=v.window.probabilities(last=policy.drift.window),
        threshold=v.threshold,
        load_error=v.load_error if v.weight > 0 else None,
        latencies=latency_windows(v.window, policy, now=now),
        labels=v.window.labels.stats(last=policy.accuracy_window, since=horizon),
        recent_labels=v.window.labels.stats(last=policy.accuracy_recent, since=horizon),
        errors=v.window.labels.errors(last=policy.accuracy_window, since=horizon),
        inputs=v.window.recent_inputs(last=policy.drift.inputs),
    )


def latency_windows(
    window: OutcomeWindow, policy: DetectionPolicy, *, now: float
) -> tuple[np.ndarray, np.ndarray]:
    """The model call's latencies over the fast and the confirmation window. A window that
    holds fewer than ``min_requests`` calls (a quiet version, or one slowed so much that it
    serves fewer calls) is replaced by the version's last calls of up to 5 minutes: the last
    ``min_requests`` for the fast window, the last ``QUIET_CONFIRM`` for the confirmation,
    so that a slow version at 1 request/s is judged after tens of calls, not never."""
    fast = policy.fast_window.total_seconds()
    confirm = max(fast, policy.latency_confirm_window.total_seconds())
    out = []
    for span, quiet in ((fast, policy.min_requests), (confirm, QUIET_CONFIRM)):
        values = window.latencies(since=now - span)
        if values.size < policy.min_requests:
            last = max(policy.min_requests, quiet)
            values = window.latencies(since=now - QUIET_SPAN, last=last)
        out.append(values)
    return out[0], out[1]


# The detectors that report one measurement at several lines: their alert keeps its identity
# (fingerprint) while its name follows the line crossed, so an error burst that worsens into
# an outage and back is one alert changing its name, not alerts resolving and re-firing.
MEASURES = {
    "ServiceDown": "availability",
    "HighErrorRate": "availability",
    "ModelNotLoaded": "availability",
    "DriftDetected": "drift",
    "DriftCritical": "drift",
}


QUIET_SPAN = 300.0
RECENT = (100, 250, 500)
QUIET_CONFIRM = 50  # a quiet version's latency confirmation: its last 50 calls


def fingerprint(service: str, version: str, name: str) -> str:
    return f"{service}/{version}/{MEASURES.get(name, name)}"


class DetectorLoop:
    def __init__(self, gateway: Gateway):
        self.gateway = gateway
        self.env = gateway.env
        self.active: dict[str, Finding] = {}
        self.services_of: dict[str, tuple[str | None, str | None]] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="detectors", daemon=True)

    def start(self) -> None:
        self._load_active()
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)

    def _loop(self) -> None:
        policy = self.env.playbook.detection
        while not self.stopping.wait(policy.interval.total_seconds()):
            try:
                self.tick(now=time.time())
            except Exception:  # a bad tick must not stop detection
                log.exception("detector tick failed")

    def _load_active(self) -> None:
        """Firing detector alerts from before a restart, so they can resolve."""
        with self.env.db.read() as session:
            rows = session.scalars(
                select(Alert).where(Alert.source == SOURCE, Alert.status == "firing")
            ).all()
            for row in rows:
                self.active[row.fingerprint] = Finding(row.name, row.summary or "", row.metrics)
            for row in rows:
                self.services_of[row.fingerprint] = (row.service, row.labels.get("version"))

    def tick(self, *, now: float) -> list[AlertCreate]:
        """One detection round; returns the alerts it sent."""
        policy = self.env.playbook.detection
        if not policy.enabled:
            return []
        found: dict[str, tuple[str, str, Finding]] = {}
        for service, runtime in list(self.gateway.services.items()):
            baseline = self._baseline(service, runtime.versions, now)
            for v in runtime.versions.values():
                if v.weight <= 0:
                    continue
                for finding in detect(observe(v, policy, now=now), baseline, policy):
                    fp = fingerprint(service, v.version, finding.name)
                    found[fp] = (service, v.version, finding)
        alerts = self._alerts(found, now)
        if alerts:
            ingest_batch(self.env, alerts, actor="detector:warroom")
            drift = [(fp, s, v, f) for fp, (s, v, f) in found.items() if "drift_score" in f.metrics]
            if drift:
                apply_drift_actions(self.env, drift, policy)
        return alerts

    def _alerts(self, found: dict[str, tuple[str, str, Finding]], now: float) -> list[AlertCreate]:
        at = datetime.fromtimestamp(now, UTC)
        out = []
        for fp, (service, version, finding) in found.items():
            alert = self._alert(fp, service, version, finding, "firing", at)
            # A drill's fault on this version makes the incident a drill (drill=true).
            alert.labels.update(self.gateway.faults.labels(service, version))
            out.append(alert)
            self.active[fp] = finding
            self.services_of[fp] = (service, version)
        for fp in [fp for fp in self.active if fp not in found]:
            finding = self.active.pop(fp)
            was_service, was_version = self.services_of.pop(fp, (None, None))
            out.append(
                self._alert(fp, was_service or "", was_version or "", finding, "resolved", at)
            )
        return out

    @staticmethod
    def _alert(
        fp: str, service: str, version: str, f: Finding, status: str, at: datetime
    ) -> AlertCreate:
        return AlertCreate(
            source=SOURCE,
            fingerprint=fp,
            name=f.name,
            service=service or None,
            status="resolved" if status == "resolved" else "firing",
            summary=f"{service} {version}: {f.summary}",
            labels={
                "alertname": f.name,
                "service": service,
                "version": version,
                "detector": "warroom",
            },
            metrics={k: float(v) for k, v in f.metrics.items()},
            starts_at=at,
            ends_at=at if status == "resolved" else None,
        )

    def _baseline(
        self, service: str, versions: dict[str, VersionRuntime], now: float
    ) -> baselines.BaselineView | None:
        """The service's baseline; captured automatically from a stable version's traffic once
        it served ``baseline_requests``, its accuracy added once ``baseline_labels`` arrived."""
        policy = self.env.playbook.detection
        with self.env.db.read() as session:
            row = baselines.latest(session=session, service=service)
            # The registry, not the routing table, says which versions are vouched for.
            stable = {
                r.version
                for r in registry.versions(session=session, service=service)
                if r.marked_stable and r.weight > 0
            }
        at = datetime.fromtimestamp(now, UTC)
        for v in versions.values():
            if v.version not in stable:
                continue
            mine = row if row is not None and row.version == v.version else None
            if mine is None and v.window.total >= policy.baseline_requests:
                with self.env.db.session() as session:
                    row = baselines.capture(
                        session=session,
                        service=service,
                        version=v.version,
                        window=v.window,
                        threshold=v.threshold,
                        last=max(policy.drift.window, policy.baseline_requests),
                        actor="detector:warroom",
                        now=at,
                        labels=policy.baseline_labels,
                        inputs=policy.drift.inputs,
                    )
            elif (
                mine is not None
                and max(mine.labelled, mine.valued) < policy.baseline_labels
                and max(v.window.labels.total, v.window.labels.values) >= policy.baseline_labels
            ):
                with self.env.db.session() as session:
                    row = baselines.add_accuracy(
                        session=session,
                        baseline_id=mine.id,
                        window=v.window,
                        labels=policy.baseline_labels,
                        actor="detector:warroom",
                        now=at,
                    )
        return baselines.view(row)
