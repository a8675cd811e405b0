"""Shadow traffic: a share of live requests mirrored to a release's candidate, off the
request path.

The request thread only offers the request (one ``put_nowait``; when the queue is full the
mirror drops it, never the caller's request). One background thread asks the candidate and
records both answers side by side; the candidate's answer is never returned to anyone.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from dataclasses import dataclass

import numpy as np

from warroom.gateway.routing import ServiceRuntime
from warroom.releases.analysis import Paired

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mirrored:
    service: str
    version: str
    features: list[float]
    at: float
    ok: bool
    latency_ms: float
    probability: float | None
    predicted: int | None


class ShadowWindow:
    """The last ``capacity`` mirrored requests of one candidate: both versions' outcomes."""

    COLUMNS = ("at", "served_ok", "cand_ok", "served_ms", "cand_ms", "served_p", "cand_p")

    def __init__(self, capacity: int = 20_000):
        self.capacity = capacity
        self.data = {name: np.zeros(capacity, dtype=np.float64) for name in self.COLUMNS}
        self.served_pred = np.full(capacity, -1, dtype=np.int64)
        self.cand_pred = np.full(capacity, -1, dtype=np.int64)
        self.total = 0
        self.lock = threading.Lock()

    def add(
        self, m: Mirrored, ok: bool, latency_ms: float, p: float | None, pred: int | None
    ) -> None:
        with self.lock:
            i = self.total % self.capacity
            row = (m.at, m.ok, ok, m.latency_ms, latency_ms, m.probability, p)
            for name, value in zip(self.COLUMNS, row, strict=True):
                self.data[name][i] = np.nan if value is None else float(value)
            self.served_pred[i] = -1 if m.predicted is None else m.predicted
            self.cand_pred[i] = -1 if pred is None else pred
            self.total += 1

    def paired(self, *, since: float) -> Paired:
        with self.lock:
            n = min(self.total, self.capacity)
            idx = (np.arange(n) + (self.total - n)) % self.capacity
            idx = idx[self.data["at"][idx] >= since]
            d = {name: col[idx] for name, col in self.data.items()}
            sp, cp = self.served_pred[idx], self.cand_pred[idx]
        s_ok, c_ok = d["served_ok"] > 0, d["cand_ok"] > 0
        both = s_ok & c_ok
        return Paired(
            requests=int(idx.size),
            served_errors=int((~s_ok).sum()),
            candidate_errors=int((~c_ok).sum()),
            served_latencies=d["served_ms"][s_ok],
            candidate_latencies=d["cand_ms"][c_ok],
            served_predicted=sp[both],
            candidate_predicted=cp[both],
            served_probabilities=d["served_p"][both],
            candidate_probabilities=d["cand_p"][both],
        )


class ShadowMirror:
    def __init__(self, *, queue_size: int = 1_000):
        self.queue: queue.Queue[Mirrored] = queue.Queue(maxsize=queue_size)
        self.windows: dict[tuple[str, str], ShadowWindow] = {}
        self.runtimes: dict[str, ServiceRuntime] = {}
        self.dropped = 0
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def window(self, service: str, version: str) -> ShadowWindow:
        with self.lock:
            found = self.windows.get((service, version))
            if found is None:
                found = self.windows[(service, version)] = ShadowWindow()
            return found

    def offer(
        self,
        runtime: ServiceRuntime,
        features: list[float],
        *,
        ok: bool,
        latency_ms: float,
        probability: float | None,
        predicted: int | None,
    ) -> None:
        """Mirror this request with the runtime's share (cheap: called on the request path)."""
        assert runtime.shadow is not None
        version, share = runtime.shadow
        if random.random() >= share:
            return
        self.runtimes[runtime.name] = runtime
        item = Mirrored(
            runtime.name, version, features, time.time(), ok, latency_ms, probability, predicted
        )
        try:
            self.queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1
            return
        if self.thread is None:
            self._start()

    def _start(self) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="shadow", daemon=True)
                self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            try:
                self._ask(item)
            except Exception:  # a broken candidate must not stop the mirror
                log.exception("shadow request failed")

    def _ask(self, m: Mirrored) -> None:
        runtime = self.runtimes.get(m.service)
        cand = runtime.versions.get(m.version) if runtime else None
        if cand is None or cand.predictor is None:
            return
        start = time.perf_counter()
        try:
            proba = np.asarray(cand.predictor.predict_proba([m.features]), dtype=float)[0]
        except Exception:
            latency = (time.perf_counter() - start) * 1000
            self.window(m.service, m.version).add(m, False, latency, None, None)
            return
        latency = (time.perf_counter() - start) * 1000
        positive = float(proba[1]) if proba.size == 2 else float(proba.max())
        predicted = int(positive >= cand.threshold) if proba.size == 2 else int(proba.argmax())
        self.window(m.service, m.version).add(m, True, latency, positive, predicted)
