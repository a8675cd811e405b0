"""Load a model version into something with ``predict_proba(rows) -> rows of probabilities``.

- a joblib / pickle file (``.joblib``, ``.pkl``, ``.pickle``) holding an object with
  ``predict_proba`` (scikit-learn and friends);
- ``module:callable``: the callable is called with the rows (or is an object with
  ``predict_proba``), e.g. ``mypkg.models:score``;
- an HTTP upstream URL: POST ``{"instances": rows}``, answer ``{"probabilities": [[...]]}``.
Only operators configure these (registry API needs a responder token); loading a pickle runs
code from that file, as with any model server.
"""

from __future__ import annotations

import importlib
import pickle
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx

from warroom.errors import InvalidInput

Rows = Sequence[Sequence[float]]


class Predictor(Protocol):
    def predict_proba(self, rows: Rows) -> Any: ...


class CallablePredictor:
    def __init__(self, fn: Callable[[Rows], Any]):
        self.fn = fn

    def predict_proba(self, rows: Rows) -> Any:
        return self.fn(rows)


class HttpPredictor:
    """A model server reached over HTTP (teams front their existing servers this way)."""

    def __init__(self, url: str, timeout: float = 5.0):
        self.url = url
        self.client = httpx.Client(timeout=timeout)

    def predict_proba(self, rows: Rows) -> Any:
        response = self.client.post(self.url, json={"instances": [list(r) for r in rows]})
        response.raise_for_status()
        body = response.json()
        if "probabilities" not in body:
            raise ValueError(f"upstream {self.url} answered without 'probabilities'")
        return body["probabilities"]


_CACHE: dict[tuple[str, float], Predictor] = {}
_CACHE_LOCK = threading.Lock()


def load(*, artifact: str | None, endpoint: str | None) -> Predictor:
    """Load one version's model, once per process per file version (the rollback's health
    check and the gateway share it, so switching to a checked version costs no load)."""
    key = (endpoint or artifact or "", _mtime(artifact) if artifact else 0.0)
    with _CACHE_LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    predictor = _load(artifact=artifact, endpoint=endpoint)
    with _CACHE_LOCK:
        _CACHE[key] = predictor
    return predictor


def _mtime(artifact: str) -> float:
    try:
        return Path(artifact).expanduser().stat().st_mtime
    except OSError:
        return 0.0


def _load(*, artifact: str | None, endpoint: str | None) -> Predictor:
    """Load one version's model; InvalidInput says what is wrong with the reference."""
    if endpoint:
        return HttpPredictor(endpoint)
    if not artifact:
        raise InvalidInput("a version needs an artifact or an endpoint")
    path = Path(artifact).expanduser()
    if path.suffix in (".joblib", ".pkl", ".pickle"):
        if not path.exists():
            raise InvalidInput(f"model file {path} does not exist")
        model = _load_file(path)
        if not hasattr(model, "predict_proba"):
            raise InvalidInput(f"{path} holds a {type(model).__name__} without predict_proba")
        return model
    module_name, sep, attr = artifact.partition(":")
    if not sep:
        raise InvalidInput(
            f"artifact {artifact!r}: expected a .joblib/.pkl file or module:callable"
        )
    try:
        target = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise InvalidInput(f"cannot import {artifact}: {exc}") from exc
    return target if hasattr(target, "predict_proba") else CallablePredictor(target)


def _load_file(path: Path) -> Any:
    if path.suffix == ".joblib":
        import joblib  # optional: comes with scikit-learn (the `demo` extra)

        return joblib.load(path)
    with path.open("rb") as fh:
        return pickle.load(fh)  # noqa: S301 (operator-supplied model file, like any model server)
