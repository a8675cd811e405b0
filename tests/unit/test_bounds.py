"""The storage bounds and the request guard's checks, without a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ValidationError

from warroom.api.errors import encodable
from warroom.api.guard import body_problem, url_problem
from warroom.storage.bounds import AwareUtcTime, Int64, JsonObject, RowId, UtcTime, json_problem


class Sample(BaseModel):
    n: Int64 = 0
    id: RowId = 1
    at: UtcTime | None = None
    aware: AwareUtcTime | None = None
    free: JsonObject = {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n", 2**63),
        ("n", -(2**63) - 1),
        ("id", 0),
        ("at", "9999-12-31T23:59:59-23:59"),
        ("at", "0001-01-01T00:00:00+14:00"),
        ("aware", "2026-01-01T00:00:00"),
        ("free", {"a": [1, {"b": 2**64}]}),
        ("free", {"a": float("nan")}),
        ("free", {"a\x00": 1}),
        ("free", {"a": "\ud800"}),
    ],
)
def test_unstorable_values_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        Sample.model_validate({field: value})
    assert refused.value.errors()[0]["loc"][0] == field


def test_times_are_converted_to_utc_and_naive_means_utc() -> None:
    sample = Sample.model_validate({"at": "2026-01-01T02:00:00+02:00", "n": 2**63 - 1})
    assert sample.at == datetime(2026, 1, 1, tzinfo=UTC) and sample.at.tzinfo is UTC
    assert Sample.model_validate({"at": "2026-01-01T00:00:00"}).at == sample.at


def test_json_problem_names_the_path() -> None:
    assert json_problem({"a": [0, {"b": "x\x00"}]}) == (("a", 1, "b"), json_problem("\x00")[1])  # type: ignore[index]
    assert json_problem({"a": [1, 2.5, "ok", None, True, {"deep": [[[]]]}]}) is None


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (b'{"a": NaN}', ["body"]),
        (b'{"a": "\\ud800"}', ["body"]),
        (b'{"a": "\xff"}', ["body"]),
        (b"[" * 300 + b"]" * 300, ["body"]),
        (b'{"a": {"b": 99999999999999999999}}', ["body", "a", "b"]),
        (b'{"a": [1e400]}', ["body", "a", 0]),
        (b'{"a": {"k\\u0000": 1}}', ["body", "a", "k\x00"]),
    ],
)
def test_the_guard_refuses_bodies_no_database_stores(body: bytes, loc: list[object]) -> None:
    problem = body_problem(body)
    assert problem is not None and problem["loc"] == loc


def test_the_guard_lets_clean_bodies_through() -> None:
    big_but_fine = b'{"id": 9223372036854775807, "s": "12345678901234567890", "e": 1e300}'
    assert body_problem(big_but_fine) is None
    assert body_problem(b'{"s": "\\ud83d\\ude00", "t": "\\\\u0000 is text"}') is None


def test_the_guard_refuses_nul_in_the_url() -> None:
    scope = {"path": "/api/v1/alerts", "query_string": b"service=a%00b&limit=1"}
    assert url_problem(scope) == {
        "type": "value_error",
        "loc": ["query", "service"],
        "msg": "contains a NUL character",
    }
    assert url_problem({"path": "/api/v1/incidents/\x00", "query_string": b""}) is not None
    assert url_problem({"path": "/api/v1/alerts", "query_string": b"service=%FF"}) is None


def test_error_details_always_encode() -> None:
    detail = {"input": float("nan"), "raw": b"\xff", "s": "\ud800", "e": ValueError("x")}
    assert encodable(detail) == {"input": "nan", "raw": "\\xff", "s": "\\ud800", "e": "x"}
