"""Check a version before any traffic moves to it: its model loads and answers a probe.

``deploy`` refuses a version that cannot serve (a missing file, a module that does not
import, an endpoint that does not answer) with a 422 naming the field, and leaves the
weights as they were. With a probe (one row of features, given on the deploy or on the
service), the model must also answer it with probabilities; without one, loading it (or the
endpoint answering at all) is the check.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import numpy as np

from warroom.deploy.loaders import HttpPredictor, Predictor, load
from warroom.errors import InvalidInput

TIMEOUT = 5.0


def check(
    *,
    version: str,
    artifact: str | None,
    endpoint: str | None,
    probe: Sequence[float] | None,
) -> str:
    """What was checked, in words; InvalidInput (naming the field) when the version cannot
    serve. Nothing is changed either way."""
    if (artifact is None) == (endpoint is None):
        raise InvalidInput(
            "give exactly one of artifact (model file or module:callable) or endpoint"
        )
    refused = f"; {version} was not deployed and traffic is unchanged"
    if endpoint is not None:
        predictor: Predictor = HttpPredictor(endpoint, timeout=TIMEOUT)
        if probe is None:
            _reachable(endpoint, refused)
            return f"endpoint {endpoint} answers"
    else:
        try:
            predictor = load(artifact=artifact, endpoint=None)
        except InvalidInput as exc:
            raise InvalidInput(f"artifact: {exc}{refused}") from exc
        except Exception as exc:  # an unpickling error, a module failing at import, ...
            raise InvalidInput(
                f"artifact: {artifact} could not be loaded: {type(exc).__name__}: {exc}{refused}"
            ) from exc
        if probe is None:
            return f"artifact {artifact} loads (no probe input configured)"
    _answers(predictor, list(probe), "endpoint" if endpoint else "artifact", refused)
    return f"{endpoint or artifact} answers the probe"


def _reachable(endpoint: str, refused: str) -> None:
    try:
        status = httpx.get(endpoint, timeout=TIMEOUT).status_code
    except httpx.HTTPError as exc:
        raise InvalidInput(f"endpoint: {endpoint} does not answer ({exc}){refused}") from exc
    except ValueError as exc:  # not a URL httpx can use
        raise InvalidInput(f"endpoint: {endpoint!r} is not a usable URL ({exc}){refused}") from exc
    if status >= 500:
        raise InvalidInput(f"endpoint: {endpoint} answers HTTP {status}{refused}")


def _answers(predictor: Predictor, probe: list[float], field: str, refused: str) -> None:
    try:
        proba = np.asarray(predictor.predict_proba([probe]), dtype=float)
    except Exception as exc:
        raise InvalidInput(
            f"{field}: the model does not answer the probe input ({len(probe)} features): "
            f"{type(exc).__name__}: {str(exc)[:300]}{refused}"
        ) from exc
    if proba.ndim != 2 or proba.shape[0] != 1 or not np.isfinite(proba).all():
        raise InvalidInput(
            f"{field}: the model answered the probe with {proba.tolist()!r}, not one row of "
            f"probabilities{refused}"
        )
