"""Input a model refuses: the client's mistake, counted apart from the model's failures.

A request the model cannot take (wrong number of features, wrong type, a validation error:
``ValueError``/``TypeError`` from an in-process model, a 4xx from an HTTP upstream) is
answered 422 and counted per version here, never in the outcome windows the detectors and
rollback verification judge.

One exception keeps a bad release from hiding behind that rule: when another version of the
same service has answered input of that length and this version never has, the version is
incompatible (a model trained on other features) and the refusal counts as its failure.
"""

from __future__ import annotations

import threading

import httpx

#: Upstream answers that are the upstream's trouble, not the client's, though 4xx.
UPSTREAM_TROUBLE = (408, 429)


def refused_by_model(exc: Exception, *, remote: bool) -> bool:
    """Whether the model (or its upstream) refused the input, rather than failed."""
    if remote:
        return (
            isinstance(exc, httpx.HTTPStatusError)
            and 400 <= exc.response.status_code < 500
            and exc.response.status_code not in UPSTREAM_TROUBLE
        )
    return isinstance(exc, (ValueError, TypeError))


class Rejections:
    """Per service and version: input lengths answered, and inputs refused."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answered: dict[str, dict[str, set[int]]] = {}
        self.counts: dict[tuple[str, str], int] = {}

    def answered_ok(self, service: str, version: str, length: int) -> None:
        known = self.answered.get(service, {}).get(version)
        if known is not None and length in known:
            return  # the hot path: one dict lookup, no lock
        with self.lock:
            self.answered.setdefault(service, {}).setdefault(version, set()).add(length)

    def client_error(self, service: str, version: str, length: int) -> bool:
        """True unless another version answered this length and this one never did."""
        versions = self.answered.get(service, {})
        if length in versions.get(version, ()):
            return True
        return not any(length in lengths for v, lengths in versions.items() if v != version)

    def count(self, service: str, version: str) -> None:
        with self.lock:
            key = (service, version)
            self.counts[key] = self.counts.get(key, 0) + 1

    def totals(self) -> dict[tuple[str, str], int]:
        with self.lock:
            return dict(self.counts)
