"""Fault injection for drills: make a live model version fail the way real ones do.

``warroom drill`` injects one fault per service through the admin API (``fault_routes``),
only when the server runs with ``WARROOM_GATEWAY_FAULTS_ENABLED=true``. A fault hits the
versions that took traffic when it was injected, so an automatic rollback to the stable
version really recovers the service, as after a bad deploy. Kinds (the drill scenarios):

- ``error-burst``: a share of requests fail (``error_rate``, default 0.6);
- ``latency``: every request is ``delay_ms`` slower (default 150 ms);
- ``model-not-loaded``: the version reports its model as not loaded; every request fails;
- ``drift``: answers lose confidence and shift (the AI photo detector playbook: images from
generators the model
  never saw), ``drift`` from 0 to 1 is the strength (default 0.6);
- ``service-down``: every request fails as if the model server were unreachable.

Faults live in this process's memory (a restart clears them; with several ``warroom serve``
processes, each one's gateway is injected separately) and expire after ``ttl``, so a drill
that died mid-way cannot leave production broken. Alerts raised while a fault hits a version
carry the label ``drill=true``, which makes the incident a drill everywhere. With no fault
active the request path pays one truthiness check of this table.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from warroom.errors import NotFound

if TYPE_CHECKING:
    from warroom.detect.windows import OutcomeWindow
    from warroom.gateway.routing import ServiceRuntime, VersionRuntime

DRILL_LABELS = {"drill": "true"}


class InjectedFault(Exception):
    """The failure a fault makes a request raise (the gateway answers 502 as for a real one)."""


@dataclass(frozen=True)
class Fault:
    service: str
    kind: str
    versions: tuple[str, ...]
    injected_at: float
    expires_at: float
    actor: str
    error_rate: float = 0.6
    delay_ms: float = 150.0
    drift: float = 0.6
    note: str = ""
    message: str = field(default="")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def shifted(probabilities: np.ndarray, strength: float) -> np.ndarray:
    """The AI photo detector playbook's drift on a model's answer: less confident, and fewer
    positives. Pure."""
    p = np.asarray(probabilities, dtype=float)
    if p.size != 2:
        return p
    positive = 0.5 + (p[1] - 0.5) * (1 - strength) - 0.2 * strength
    positive = float(np.clip(positive, 0.0, 1.0))
    return np.asarray([1 - positive, positive])


class FaultTable(dict[str, Fault]):
    """Active faults by service. Empty (falsy) unless a drill runs: the hot path checks that."""

    def __init__(self) -> None:
        super().__init__()
        #: The latest fault of each service, active or not, for ``forget``.
        self.last: dict[str, Fault] = {}

    def inject(self, fault: Fault) -> Fault:
        self[fault.service] = self.last[fault.service] = fault
        return fault

    def remove(self, service: str, runtime: ServiceRuntime | None) -> Fault | None:
        fault = self.pop(service, None)
        if fault is not None and runtime is not None:
            for v in runtime.versions.values():
                if v.load_error == fault.message:  # only the error this fault put there
                    v.load_error = None
        return fault

    def current(self, service: str, *, now: float) -> Fault | None:
        fault = self.get(service)
        if fault is not None and now >= fault.expires_at:
            self.pop(service, None)  # expired: a drill that died must not leave it on
            return None
        return fault

    def forget(self, service: str, windows: dict[tuple[str, str], OutcomeWindow]) -> Fault | None:
        """Drop what the service's latest fault made its versions record: synthetic failures
        must not count against a version after the drill (burn-rate windows span hours)."""
        fault = self.last.pop(service, None)
        if fault is None:
            return None
        for version in fault.versions:
            window = windows.get((service, version))
            if window is not None:
                window.drop_since(fault.injected_at)
        return fault

    def labels(self, service: str, version: str) -> dict[str, str]:
        """Labels for a detector alert on this version: drill=true while a fault hits it."""
        fault = self.current(service, now=time.time())
        return dict(DRILL_LABELS) if fault and version in fault.versions else {}

    def predict(self, runtime: ServiceRuntime, v: VersionRuntime, features: list[float]) -> Any:
        """A prediction through the service's fault (or straight through when it spares v)."""
        assert v.predictor is not None
        fault = self.current(runtime.name, now=time.time())
        if fault is None or v.version not in fault.versions:
            return np.asarray(v.predictor.predict_proba([features]), dtype=float)[0]
        if fault.kind == "service-down":
            raise InjectedFault(f"connection refused by {runtime.name} {v.version} (drill)")
        if fault.kind == "model-not-loaded":
            v.load_error = fault.message  # what the ModelNotLoaded detector reads
            raise NotFound(f"model {runtime.name} {v.version} is not loaded: {fault.message}")
        if fault.kind == "error-burst" and random.random() < fault.error_rate:
            raise InjectedFault("upstream feature store timed out (drill)")
        if fault.kind == "latency":  # predictions run in the thread pool, never on the loop
            time.sleep(fault.delay_ms / 1000)
        proba = np.asarray(v.predictor.predict_proba([features]), dtype=float)[0]
        return shifted(proba, fault.drift) if fault.kind == "drift" else proba


def make(
    *,
    service: str,
    kind: str,
    versions: list[str],
    actor: str,
    ttl_s: float,
    now: float,
    error_rate: float | None = None,
    delay_ms: float | None = None,
    drift: float | None = None,
    note: str = "",
) -> Fault:
    """A fault from validated API input (defaults per kind)."""
    defaults = Fault(service, kind, (), 0.0, 0.0, "")
    return Fault(
        service=service,
        kind=kind,
        versions=tuple(versions),
        injected_at=now,
        expires_at=now + ttl_s,
        actor=actor,
        error_rate=defaults.error_rate if error_rate is None else error_rate,
        delay_ms=defaults.delay_ms if delay_ms is None else delay_ms,
        drift=defaults.drift if drift is None else drift,
        note=note,
        message=f"model file could not be read (drill fault injected by {actor})",
    )
