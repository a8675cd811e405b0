"""The gateway's in-memory routing table, loaded from the deployment registry.

The database stays the source of truth: every admin change is written there first and the
affected service is reloaded at once, so a switch takes effect on the next request.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from warroom.deploy import registry
from warroom.deploy.loaders import load
from warroom.detect import review
from warroom.detect.labels import Ledger
from warroom.detect.windows import OutcomeWindow
from warroom.errors import InputRejected, NotFound, PredictionFailed
from warroom.gateway.faults import FaultTable
from warroom.gateway.rejects import Rejections, refused_by_model
from warroom.gateway.routing import ServiceRuntime, VersionRuntime
from warroom.gateway.shadow import ShadowMirror
from warroom.intake.batch import IntakeEnv
from warroom.releases import service as releases
from warroom.samples import service as samples


@dataclass
class Prediction:
    request_id: int
    version: str
    probability: float | None
    prediction: int | Any
    probabilities: list[float] | None
    latency_ms: float
    degraded: bool = False
    held_for_review: bool = False


class Gateway:
    """Loaded models and outcome windows for every model service."""

    def __init__(self, env: IntakeEnv, *, window_size: int = 10_000):
        self.env = env
        self.window_size = window_size
        self.services: dict[str, ServiceRuntime] = {}
        self.windows: dict[tuple[str, str], OutcomeWindow] = {}
        self.lock = threading.Lock()
        self.ids = itertools.count(int(time.time() * 1000) << 16)
        # Every prediction's version and answer, for labels that arrive hours later.
        horizon = env.playbook.detection.label_horizon.total_seconds()
        self.ledger = Ledger(horizon=horizon)
        self.faults = FaultTable()
        self.shadow = ShadowMirror()
        self.rejections = Rejections()

    def window(self, service: str, version: str) -> OutcomeWindow:
        key = (service, version)
        found = self.windows.get(key)
        if found is None:
            with self.lock:  # two threads reloading at once must share one window
                found = self.windows.get(key)
                if found is None:
                    found = self.windows[key] = OutcomeWindow(self.window_size)
                    # The per-second counts behind the burn-rate windows (hours long)
                    # survive a restart: they come back from the saved snapshots.
                    found.counts.restore(self._saved_counts(service, version, found))
        return found

    def _saved_counts(
        self, service: str, version: str, window: OutcomeWindow
    ) -> list[tuple[int, int, int]]:
        # The windows' time base is the wall clock (time.time()), so is the snapshots'.
        end = datetime.fromtimestamp(time.time(), UTC)
        with self.env.db.read() as session:
            return samples.saved_counts(
                session=session,
                service=service,
                version=version,
                start=end - timedelta(seconds=window.counts.horizon),
                end=end,
            )

    def reload(self, service: str) -> ServiceRuntime:
        """Rebuild a service's routing table from the registry (models stay loaded)."""
        with self.env.db.read() as session:
            svc = registry.get_service(session=session, name=service)
            rows = registry.versions(session=session, service=service)
            old = self.services.get(service)
            runtime = ServiceRuntime(
                name=service,
                degraded=svc.degraded,
                fallback=svc.fallback,
                updated_at=svc.updated_at,
                shadow=releases.shadow_of(session=session, service=service),
            )
            for row in rows:
                previous = old.versions.get(row.version) if old else None
                runtime.versions[row.version] = VersionRuntime(
                    version=row.version,
                    weight=row.weight,
                    enabled=row.enabled,
                    threshold=row.threshold,
                    artifact=row.artifact,
                    endpoint=row.endpoint,
                    window=self.window(service, row.version),
                    predictor=previous.predictor if previous else None,
                    marked_stable=row.marked_stable,
                    review=row.review_low_confidence,
                )
        # Standby versions stay loaded too (warm standby), so a rollback switches at once.
        for v in runtime.versions.values():
            if v.predictor is None and v.enabled:
                self._load(v)
        live = [v for v in runtime.versions.values() if v.enabled and v.weight > 0]
        runtime.table = (
            [v.version for v in live],
            list(itertools.accumulate(v.weight for v in live)),
        )
        runtime.remote = any(v.endpoint for v in live)
        with self.lock:
            # A slow reload (loading a model) must not overwrite a newer one.
            current = self.services.get(service)
            if current is None or not _newer(current.updated_at, runtime.updated_at):
                self.services[service] = runtime
            return self.services[service]

    def route(self, service: str, weights: dict[str, float]) -> None:
        """Apply new weights at once, without I/O: under load a full reload waits for the GIL
        behind every request thread, this takes microseconds. The sync thread reloads fully
        right after."""
        runtime = self.services.get(service)
        if runtime is None or any(
            name not in runtime.versions or runtime.versions[name].predictor is None
            for name, w in weights.items()
            if w > 0
        ):
            return
        live = [(name, w) for name, w in weights.items() if w > 0]
        for name, version in runtime.versions.items():
            version.weight = weights.get(name, 0.0)
        runtime.remote = any(runtime.versions[name].endpoint for name, _ in live)
        runtime.table = ([name for name, _ in live], list(itertools.accumulate(w for _, w in live)))

    def _load(self, v: VersionRuntime) -> None:
        try:
            v.predictor = load(artifact=v.artifact, endpoint=v.endpoint)
            v.load_error = None
        except Exception as exc:  # a broken model must not take the gateway down
            v.load_error = str(exc)

    def runtime(self, service: str) -> ServiceRuntime:
        found = self.services.get(service)
        return found if found is not None else self.reload(service)

    def predict(self, service: str, features: list[float]) -> Prediction:
        """Route one request by weight, record its outcome, return the answer."""
        runtime = self.runtime(service)
        request_id = next(self.ids)
        if runtime.degraded and runtime.fallback is not None:
            return Prediction(
                request_id,
                "fallback",
                None,
                runtime.fallback.get("prediction"),
                None,
                0.0,
                degraded=True,
            )
        v = runtime.pick()
        start = time.perf_counter()
        try:
            proba = self._call(runtime, v, features)
        except InputRejected:
            raise
        except Exception as exc:
            latency = (time.perf_counter() - start) * 1000
            v.window.add(
                at=time.time(),
                ok=False,
                latency_ms=latency,
                probability=None,
                predicted=None,
                request=request_id,
            )
            if runtime.shadow is not None:
                self.shadow.offer(
                    runtime,
                    features,
                    ok=False,
                    latency_ms=latency,
                    probability=None,
                    predicted=None,
                )
            raise PredictionFailed(service, v.version, exc) from exc
        self.rejections.answered_ok(service, v.version, len(features))
        # Only the model call is timed: routing, queueing for a pool thread and recording
        # happen outside the timer, so the latency detector judges the model, not the host.
        latency = (time.perf_counter() - start) * 1000
        if proba.size == 1:  # a regression model: one value per row, no classes
            return self._value(service, v, request_id, features, float(proba[0]), latency)
        positive = float(proba[1]) if proba.size == 2 else float(proba.max())
        predicted = int(positive >= v.threshold) if proba.size == 2 else int(proba.argmax())
        now = time.time()
        v.window.add(
            at=now,
            ok=True,
            latency_ms=latency,
            probability=positive,
            predicted=predicted,
            request=request_id,
        )
        v.window.add_input(features)
        self.ledger.add(
            request=request_id, service=service, version=v.version, at=now, predicted=predicted
        )
        answer = Prediction(request_id, v.version, positive, predicted, proba.tolist(), latency)
        if runtime.shadow is not None:  # a release's candidate in shadow: off the request path
            self.shadow.offer(
                runtime,
                features,
                ok=True,
                latency_ms=latency,
                probability=positive,
                predicted=predicted,
            )
        if v.review and max(positive, 1 - positive) < v.window.low_confidence:
            self._hold(service, v.version, request_id, features, positive, predicted)
            answer.held_for_review = True
        return answer

    def _value(
        self,
        service: str,
        v: VersionRuntime,
        request_id: int,
        features: list[float],
        value: float,
        latency: float,
    ) -> Prediction:
        """Record a regression model's answer (judged later against true values)."""
        now = time.time()
        v.window.add(
            at=now,
            ok=True,
            latency_ms=latency,
            probability=None,
            predicted=None,
            request=request_id,
        )
        v.window.add_input(features)
        self.ledger.add(
            request=request_id,
            service=service,
            version=v.version,
            at=now,
            predicted=-1,
            value=value,
        )
        return Prediction(request_id, v.version, None, value, None, latency)

    def _call(self, runtime: ServiceRuntime, v: VersionRuntime, features: list[float]) -> Any:
        """The model's probabilities for one row; InputRejected when it refused the input."""
        if v.predictor is None:
            raise NotFound(f"model {runtime.name} {v.version} is not loaded: {v.load_error}")
        try:
            if self.faults:  # a drill's fault is active (gateway/faults.py)
                return self.faults.predict(runtime, v, features)
            raw = v.predictor.predict_proba([features])
        except Exception as exc:
            if refused_by_model(exc, remote=bool(v.endpoint)) and self.rejections.client_error(
                runtime.name, v.version, len(features)
            ):
                self.rejections.count(runtime.name, v.version)
                raise InputRejected(runtime.name, v.version, exc) from exc
            raise
        return np.asarray(raw, dtype=float)[0]

    def _hold(
        self,
        service: str,
        version: str,
        request_id: int,
        features: list[float],
        probability: float,
        prediction: int,
    ) -> None:
        """Only low-confidence predictions under human review touch the database here."""
        with self.env.db.session() as session:
            review.enqueue(
                session=session,
                service=service,
                version=version,
                request_id=request_id,
                features=features,
                probability=probability,
                prediction=prediction,
                now=self.env.clock(),
            )

    def feedback(
        self, service: str, request_id: int, label: int | None, value: float | None = None
    ) -> str:
        """Attach a true label (a class) or value (a regression model's) to an earlier request,
        however late within the label horizon; returns its version (NotFound past the horizon,
        Conflict when labelled before, InvalidInput when the kind does not fit the answer)."""
        now = time.time()
        version, pending = self.ledger.claim(request_id, service, now=now, value=value is not None)
        window = self.window(service, version)
        if value is not None:
            window.labels.add_value(at=now, predicted=pending.value, value=value)
            window.add_error(request_id, pending.value - value)  # the release's step judges it
            return version
        assert label is not None
        window.add_label(request_id, label)  # while still in the outcome ring: its stats
        window.labels.add(at=now, predicted_at=pending.at, predicted=pending.predicted, label=label)
        return version


def _newer(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and a > b
