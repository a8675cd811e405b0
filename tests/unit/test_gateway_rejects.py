"""Which refusals are the client's mistake, and which a version's failure."""

from __future__ import annotations

import httpx

from warroom.gateway.rejects import Rejections, refused_by_model


def upstream_error(status: int) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://model.internal/predict")
    response = httpx.Response(status, request=request, json={"error": "bad input"})
    return httpx.HTTPStatusError(f"{status}", request=request, response=response)


def test_in_process_models_refuse_with_value_and_type_errors() -> None:
    assert refused_by_model(ValueError("X has 3 features"), remote=False)
    assert refused_by_model(TypeError("float() argument"), remote=False)
    assert not refused_by_model(RuntimeError("CUDA error: out of memory"), remote=False)
    assert not refused_by_model(MemoryError(), remote=False)


def test_upstreams_refuse_with_4xx_but_not_timeouts_or_rate_limits() -> None:
    assert refused_by_model(upstream_error(400), remote=True)
    assert refused_by_model(upstream_error(422), remote=True)
    for status in (408, 429, 500, 503):
        assert not refused_by_model(upstream_error(status), remote=True)
    # A malformed answer is the upstream's failure, though a ValueError.
    assert not refused_by_model(ValueError("answered without 'probabilities'"), remote=True)
    assert not refused_by_model(httpx.ConnectError("refused"), remote=True)


def test_a_version_that_refuses_what_another_answered_is_failing() -> None:
    r = Rejections()
    r.answered_ok("fraud", "v1", 30)
    # A client sending 3 features: nobody ever answered that. Its mistake.
    assert r.client_error("fraud", "v1", 3)
    assert r.client_error("fraud", "v2", 3)
    # v2, trained on other features, refuses the 30 that v1 answers: v2's failure.
    assert not r.client_error("fraud", "v2", 30)
    # Once v2 has answered 30 itself, a refusal of 30 is about the values: the client's.
    r.answered_ok("fraud", "v2", 30)
    assert r.client_error("fraud", "v2", 30)
    # Other services do not count.
    assert r.client_error("churn", "v1", 30)


def test_refusals_are_counted_per_version() -> None:
    r = Rejections()
    for _ in range(3):
        r.count("fraud", "v1")
    r.count("fraud", "v2")
    assert r.totals() == {("fraud", "v1"): 3, ("fraud", "v2"): 1}
