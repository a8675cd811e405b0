"""Per-version outcome windows: numpy ring buffers, cheap enough for the request path.

Each request appends one row (time, ok, latency, probability, predicted class); feedback later
fills the label of the row with the same request id while it is still in the buffer, and
always lands in the version's :class:`~warroom.detect.labels.LabelWindow` (late labels).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from warroom.detect.counts import SecondCounts
from warroom.detect.labels import LabelWindow


@dataclass(frozen=True)
class Stats:
    count: int
    errors: int
    error_rate: float
    availability: float
    latency_p50_ms: float
    latency_p95_ms: float
    mean_probability: float
    low_confidence_ratio: float
    positive_ratio: float
    labelled: int
    accuracy: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return dict(self.__dict__)


EMPTY = Stats(0, 0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, None)
INPUTS = 2000  # the last N inputs a window keeps


class OutcomeWindow:
    """The last ``capacity`` outcomes of one model version."""

    def __init__(self, capacity: int = 10_000, low_confidence: float = 0.6):
        self.capacity = capacity
        self.low_confidence = low_confidence
        self.at = np.zeros(capacity, dtype=np.float64)
        self.ok = np.zeros(capacity, dtype=np.bool_)
        self.latency_ms = np.zeros(capacity, dtype=np.float32)
        self.probability = np.full(capacity, np.nan, dtype=np.float32)
        self.predicted = np.full(capacity, -1, dtype=np.int8)
        self.label = np.full(capacity, -1, dtype=np.int8)
        self.request = np.zeros(capacity, dtype=np.int64)
        # A regression model's error (answer - true value) once the true value arrived.
        self.error = np.full(capacity, np.nan, dtype=np.float64)
        self.total = 0
        self.lock = threading.Lock()
        self.counts = SecondCounts()
        self.labels = LabelWindow()
        # The inputs of the last successful requests (rows × features), for input drift;
        # sized by the first request (a request of another width is not kept).
        self.input_capacity = min(capacity, INPUTS)
        self.inputs: np.ndarray | None = None
        self.inputs_total = 0

    def add(
        self,
        *,
        at: float,
        ok: bool,
        latency_ms: float,
        probability: float | None,
        predicted: int | None,
        request: int,
    ) -> None:
        with self.lock:
            i = self.total % self.capacity
            self.at[i] = at
            self.ok[i] = ok
            self.latency_ms[i] = latency_ms
            self.probability[i] = np.nan if probability is None else probability
            self.predicted[i] = -1 if predicted is None else predicted
            self.label[i] = -1
            self.error[i] = np.nan
            self.request[i] = request
            self.total += 1
        self.counts.add(at, ok)

    def add_input(self, features: list[float]) -> None:
        """Keep a successful request's features (numbers only; others are not kept)."""
        try:
            row = np.asarray(features, dtype=np.float64)
        except (TypeError, ValueError):
            return
        with self.lock:
            if self.inputs is None and row.ndim == 1 and row.size:
                self.inputs = np.zeros((self.input_capacity, row.size), dtype=np.float64)
            if self.inputs is None or row.shape != self.inputs.shape[1:]:
                return
            self.inputs[self.inputs_total % self.input_capacity] = row
            self.inputs_total += 1

    def recent_inputs(self, *, last: int) -> np.ndarray:
        """The last ``last`` inputs kept (rows × features), oldest first."""
        with self.lock:
            if self.inputs is None:
                return np.zeros((0, 0))
            n = min(self.inputs_total, self.input_capacity, last)
            idx = np.arange(self.inputs_total - n, self.inputs_total) % self.input_capacity
            return self.inputs[idx].copy()

    def add_label(self, request: int, label: int) -> bool:
        """Record the true label of a request still in the window; False if it has left."""
        with self.lock:
            n = min(self.total, self.capacity)
            hits = np.flatnonzero(self.request[:n] == request)
            if hits.size == 0:
                return False
            self.label[hits[-1]] = label
            return True

    def add_error(self, request: int, error: float) -> bool:
        """Record a regression answer's error (answer - true value) on its request while it is
        still in the window; False if it has left."""
        with self.lock:
            n = min(self.total, self.capacity)
            hits = np.flatnonzero(self.request[:n] == request)
            if hits.size == 0:
                return False
            self.error[hits[-1]] = error
            return True

    def value_errors(self, *, since: float) -> np.ndarray:
        """The errors of the regression answers given since ``since`` whose true value has
        arrived (joined by request id; a release judges a step's requests by them)."""
        with self.lock:
            idx = self._slice(since, None)
            err = self.error[idx]
            return err[~np.isnan(err)].copy()

    def _slice(self, since: float | None, last: int | None) -> np.ndarray:
        n = min(self.total, self.capacity)
        order = (np.arange(n) + (self.total - n)) % self.capacity  # oldest → newest
        if since is not None:
            order = order[self.at[order] >= since]
        if last is not None:
            order = order[-last:]
        return order

    def stats(self, *, since: float | None = None, last: int | None = None) -> Stats:
        """Error rate, latency, confidence and accuracy over a time span or the last N."""
        with self.lock:
            idx = self._slice(since, last)
            if idx.size == 0:
                return EMPTY
            ok = self.ok[idx]
            lat = self.latency_ms[idx][ok] if ok.any() else self.latency_ms[idx]
            prob = self.probability[idx]
            prob = prob[~np.isnan(prob)]
            labelled = (self.label[idx] >= 0) & (self.predicted[idx] >= 0)
            errors = int((~ok).sum())
            return Stats(
                count=int(idx.size),
                errors=errors,
                error_rate=errors / idx.size,
                availability=1 - errors / idx.size,
                latency_p50_ms=float(np.percentile(lat, 50)),
                latency_p95_ms=float(np.percentile(lat, 95)),
                mean_probability=float(prob.mean()) if prob.size else 0.0,
                low_confidence_ratio=float(
                    (np.maximum(prob, 1 - prob) < self.low_confidence).mean()
                )
                if prob.size
                else 0.0,
                positive_ratio=float((self.predicted[idx][ok] == 1).mean()) if ok.any() else 0.0,
                labelled=int(labelled.sum()),
                accuracy=float((self.label[idx][labelled] == self.predicted[idx][labelled]).mean())
                if labelled.any()
                else None,
            )

    def drop_since(self, since: float) -> None:
        """Forget the outcomes recorded at or after ``since`` (a drill's injected ones)."""
        with self.lock:
            keep = self._slice(None, None)
            keep = keep[self.at[keep] < since]
            for column in (
                self.at,
                self.ok,
                self.latency_ms,
                self.probability,
                self.predicted,
                self.label,
                self.request,
            ):
                column[: keep.size] = column[keep]
            self.total = int(keep.size)
        self.counts.drop_since(since)

    def latencies(self, *, since: float, last: int | None = None) -> np.ndarray:
        """Latencies (ms) of the successful requests since ``since`` (the last ``last`` of
        them, if given), oldest first."""
        with self.lock:
            idx = self._slice(since, None)
            idx = idx[self.ok[idx]]
            if last is not None:
                idx = idx[-last:]
            return self.latency_ms[idx].astype(np.float64)

    def probabilities(self, *, last: int) -> np.ndarray:
        with self.lock:
            idx = self._slice(None, last)
            prob = self.probability[idx]
            return prob[~np.isnan(prob)].copy()

    def answers_since(self, since: float) -> np.ndarray:
        """Predicted probabilities of the successful requests since ``since`` (a release
        compares its versions' answers over one stage)."""
        with self.lock:
            idx = self._slice(since, None)
            prob = self.probability[idx]
            return prob[~np.isnan(prob)].astype(np.float64)
