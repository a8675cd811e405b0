"""Late labels: feedback joined to its prediction by request id whenever it arrives.

Labels (the true answer: did the customer default, was the image AI-made) usually arrive
minutes to days after the prediction. :class:`Ledger` remembers every prediction's version,
time and answer for the playbook's label horizon, in fixed numpy arrays addressed by request
id (ids are consecutive integers, so slot = id mod capacity: no search, no per-request
objects). :class:`LabelWindow` keeps each version's labelled outcomes in order of *label
arrival*, so accuracy is judged over the last N labels however slowly they come.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from warroom.errors import Conflict, NotFound


@dataclass(frozen=True)
class Pending:
    """What the ledger knows of one prediction."""

    key: int  # the (service, version) slot of the ledger's ``keys``
    at: float
    predicted: int


class Ledger:
    """Predictions awaiting their label, for ``horizon`` seconds (at most ``capacity`` of the
    newest)."""

    def __init__(self, *, capacity: int = 1 << 20, horizon: float = 6 * 3600):
        self.capacity, self.horizon = capacity, horizon
        self.request = np.full(capacity, -1, dtype=np.int64)
        self.at = np.zeros(capacity, dtype=np.float64)
        self.key = np.full(capacity, -1, dtype=np.int32)
        self.predicted = np.full(capacity, -1, dtype=np.int32)
        self.labelled = np.zeros(capacity, dtype=np.bool_)
        self.keys: list[tuple[str, str]] = []
        self.index: dict[tuple[str, str], int] = {}
        self.lock = threading.Lock()

    def add(self, *, request: int, service: str, version: str, at: float, predicted: int) -> None:
        i = request % self.capacity
        with self.lock:
            key = self.index.get((service, version))
            if key is None:
                key = self.index[(service, version)] = len(self.keys)
                self.keys.append((service, version))
            self.request[i], self.at[i], self.key[i] = request, at, key
            self.predicted[i], self.labelled[i] = predicted, False

    def claim(self, request: int, service: str, *, now: float) -> tuple[str, Pending]:
        """The prediction a label is for, marked labelled (its version and answer).
        NotFound when unknown, of another service or past the horizon; Conflict when
        already labelled (a label counts once)."""
        i = request % self.capacity
        with self.lock:
            found = self.request[i] == request and 0 <= self.key[i] < len(self.keys)
            owner = self.keys[self.key[i]] if found else None
            if owner is None or owner[0] != service:
                raise NotFound(f"request {request} of {service} is unknown or too old")
            if now - self.at[i] > self.horizon:
                raise NotFound(
                    f"request {request} is older than the label horizon ({self.horizon:g}s)"
                )
            if self.labelled[i]:
                raise Conflict(f"request {request} already has a label")
            self.labelled[i] = True
            return owner[1], Pending(int(self.key[i]), float(self.at[i]), int(self.predicted[i]))


@dataclass(frozen=True)
class LabelStats:
    """Accuracy over the last N labels of one version."""

    labels: int
    correct: int
    per_class: dict[int, tuple[int, int]] = field(default_factory=dict)  # class -> (n, hits)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.labels if self.labels else None


class LabelWindow:
    """The last ``capacity`` labelled outcomes of a version, in order of label arrival."""

    def __init__(self, capacity: int = 20_000):
        self.capacity = capacity
        self.at = np.zeros(capacity, dtype=np.float64)
        self.predicted_at = np.zeros(capacity, dtype=np.float64)
        self.predicted = np.zeros(capacity, dtype=np.int32)
        self.label = np.zeros(capacity, dtype=np.int32)
        self.total = 0
        self.lock = threading.Lock()

    def add(self, *, at: float, predicted_at: float, predicted: int, label: int) -> None:
        with self.lock:
            i = self.total % self.capacity
            self.at[i], self.predicted_at[i] = at, predicted_at
            self.predicted[i], self.label[i] = predicted, label
            self.total += 1

    def stats(self, *, last: int, since: float | None = None) -> LabelStats:
        """Accuracy over the last ``last`` labels (arrived at or after ``since`` if given)."""
        with self.lock:
            n = min(self.total, self.capacity, last)
            idx = (np.arange(self.total - n, self.total)) % self.capacity
            if since is not None:
                idx = idx[self.at[idx] >= since]
            predicted, label = self.predicted[idx], self.label[idx]
        hits = predicted == label
        per_class = {
            int(c): (int((label == c).sum()), int(hits[label == c].sum())) for c in np.unique(label)
        }
        return LabelStats(int(idx.size), int(hits.sum()), per_class)
