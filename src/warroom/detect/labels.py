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

from warroom.errors import Conflict, InvalidInput, NotFound


@dataclass(frozen=True)
class Pending:
    """What the ledger knows of one prediction."""

    key: int  # the (service, version) slot of the ledger's ``keys``
    at: float
    predicted: int
    value: float = float("nan")  # a regression model's answer


class Ledger:
    """Predictions awaiting their label, for ``horizon`` seconds (at most ``capacity`` of the
    newest)."""

    def __init__(self, *, capacity: int = 1 << 20, horizon: float = 6 * 3600):
        self.capacity, self.horizon = capacity, horizon
        self.request = np.full(capacity, -1, dtype=np.int64)
        self.at = np.zeros(capacity, dtype=np.float64)
        self.key = np.full(capacity, -1, dtype=np.int32)
        self.predicted = np.full(capacity, -1, dtype=np.int32)
        self.value = np.full(capacity, np.nan, dtype=np.float64)
        self.labelled = np.zeros(capacity, dtype=np.bool_)
        self.keys: list[tuple[str, str]] = []
        self.index: dict[tuple[str, str], int] = {}
        self.lock = threading.Lock()

    def add(
        self,
        *,
        request: int,
        service: str,
        version: str,
        at: float,
        predicted: int,
        value: float = float("nan"),
    ) -> None:
        i = request % self.capacity
        with self.lock:
            key = self.index.get((service, version))
            if key is None:
                key = self.index[(service, version)] = len(self.keys)
                self.keys.append((service, version))
            self.request[i], self.at[i], self.key[i] = request, at, key
            self.predicted[i], self.labelled[i] = predicted, False
            self.value[i] = value

    def claim(
        self, request: int, service: str, *, now: float, value: bool = False
    ) -> tuple[str, Pending]:
        """The prediction a label (``value``: a true value) is for, marked labelled (its
        version and answer). NotFound when unknown, of another service or past the horizon;
        Conflict when already labelled (a label counts once); InvalidInput when a class is
        sent for a value or the reverse (nothing is marked)."""
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
            if value == bool(np.isnan(self.value[i])):
                want = "a class: send label" if value else "a value: send value"
                raise InvalidInput(f"request {request} was answered with {want}")
            self.labelled[i] = True
            pending = Pending(
                int(self.key[i]), float(self.at[i]), int(self.predicted[i]), float(self.value[i])
            )
            return owner[1], pending


@dataclass(frozen=True)
class LabelStats:
    """Accuracy over the last N labels of one version."""

    labels: int
    correct: int
    per_class: dict[int, tuple[int, int]] = field(default_factory=dict)  # class -> (n, hits)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.labels if self.labels else None


@dataclass(frozen=True)
class ErrorStats:
    """A regression model's errors over the last N numeric labels (the true values)."""

    labels: int
    mae: float
    rmse: float


class LabelWindow:
    """The last ``capacity`` labelled outcomes of a version, in order of label arrival:
    classes (binary, multiclass) or, for a regression model, values."""

    def __init__(self, capacity: int = 20_000):
        self.capacity = capacity
        self.at = np.zeros(capacity, dtype=np.float64)
        self.predicted_at = np.zeros(capacity, dtype=np.float64)
        self.predicted = np.zeros(capacity, dtype=np.int32)
        self.label = np.zeros(capacity, dtype=np.int32)
        self.total = 0
        self.lock = threading.Lock()
        # Regression: values, in their own ring (a version answers classes or values).
        self.value_at = np.zeros(capacity, dtype=np.float64)
        self.error = np.zeros(capacity, dtype=np.float64)  # answer - true value
        self.values = 0

    def add(self, *, at: float, predicted_at: float, predicted: int, label: int) -> None:
        with self.lock:
            i = self.total % self.capacity
            self.at[i], self.predicted_at[i] = at, predicted_at
            self.predicted[i], self.label[i] = predicted, label
            self.total += 1

    def add_value(self, *, at: float, predicted: float, value: float) -> None:
        """A true value for a regression model's answer."""
        with self.lock:
            i = self.values % self.capacity
            self.value_at[i], self.error[i] = at, predicted - value
            self.values += 1

    def errors(self, *, last: int, since: float | None = None) -> ErrorStats:
        """MAE and RMSE over the last ``last`` true values (arrived at or after ``since``)."""
        with self.lock:
            n = min(self.values, self.capacity, last)
            idx = np.arange(self.values - n, self.values) % self.capacity
            if since is not None:
                idx = idx[self.value_at[idx] >= since]
            err = self.error[idx]
        if err.size == 0:
            return ErrorStats(0, 0.0, 0.0)
        return ErrorStats(int(err.size), float(np.abs(err).mean()), float(np.sqrt((err**2).mean())))

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
