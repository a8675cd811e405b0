"""What both databases can store, as pydantic types the request schemas share.

SQLite stores what PostgreSQL refuses (a NUL character, a string longer than its column, an
integer beyond 64 bits is an OverflowError in one and an error from the server in the other),
so the limits are checked before storage, the same way for both, and a request breaking one
gets a 4xx that names the field instead of whatever the driver raises:

- integers fit a signed 64-bit column (``Int64``; ids are ``RowId``, at least 1);
- numbers are finite (``FiniteFloat``): no NaN or Infinity anywhere;
- timestamps convert to UTC inside the range Python and both databases represent
  (``UtcTime``; ``AwareUtcTime`` also needs the offset);
- strings hold no NUL and no lone surrogate (JSON's ``"\\ud800"`` parses to one, no database
  stores it), and fit their column (``Field(max_length=...)`` with the column's length);
- free-form objects (``JsonObject``: a backend's configuration, a fallback answer) obey all of
  the above at any depth.

:func:`json_problem` is the walk behind ``JsonObject``; the API's request guard runs it on
every JSON body, so the rules hold for fields a schema leaves open too.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import AfterValidator, BeforeValidator, Field

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: The latest instant accepted: a year short of Python's limit, so adding the durations
#: warroom adds (a silence's length, a postmortem's due date) cannot overflow.
LATEST = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)

Loc = tuple[str | int, ...]


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC (naive means UTC already); out of range is a ValueError."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        converted = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range when converted to UTC") from None
    if converted > LATEST:
        raise ValueError(f"the time must be at most {LATEST.isoformat()}")
    return converted


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("the time needs a UTC offset, e.g. 2026-11-23T12:00:00Z")
    return to_utc(value)


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None."""
    if "\x00" in value:
        return "the text contains a NUL character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "the text contains a lone surrogate (not a Unicode character)"
    return None


def number_problem(value: int | float) -> str | None:
    """Why the JSON number ``value`` cannot be stored, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            return "the integer is beyond the signed 64-bit range"
        return None
    if not math.isfinite(value):
        return "the number is not finite (NaN and Infinity are refused)"
    return None


def json_problem(value: Any) -> tuple[Loc, str] | None:
    """The location and reason of the first value in a parsed JSON document that no database
    stores as sent, or None. Iterative, so nesting cannot exhaust the stack."""
    stack: list[tuple[Loc, Any]] = [((), value)]
    while stack:
        loc, item = stack.pop()
        kind = type(item)
        problem: str | None = None
        if kind is str:
            problem = text_problem(item)
        elif kind is int or kind is float:
            problem = number_problem(item)
        elif kind is dict:
            for key, child in item.items():
                key_problem = text_problem(key) if isinstance(key, str) else None
                if key_problem:
                    return (*loc, key), f"key: {key_problem}"
                stack.append(((*loc, key), child))
        elif kind is list:
            stack.extend(((*loc, i), child) for i, child in enumerate(item))
        if problem:
            return loc, problem
    return None


def _storable(value: dict[str, Any]) -> dict[str, Any]:
    found = json_problem(value)
    if found is not None:
        loc, problem = found
        where = ".".join(str(part) for part in loc)
        raise ValueError(f"{where}: {problem}" if where else problem)
    return value


def _clean_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


# annotated_types rather than Field: these also type path and query parameters.
Int64 = Annotated[int, Ge(INT64_MIN), Le(INT64_MAX)]
RowId = Annotated[int, Ge(1), Le(INT64_MAX)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
UtcTime = Annotated[datetime, AfterValidator(to_utc)]
AwareUtcTime = Annotated[datetime, AfterValidator(_aware_utc)]
CleanText = Annotated[str, AfterValidator(_clean_text)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_storable)]


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may not be null: leave the field out to keep its value")
    return value


#: On a partial update's optional field whose column is NOT NULL: absent keeps the value,
#: an explicit null is refused (``Annotated[Priority | None, NotNull] = None``).
NotNull = BeforeValidator(_not_null)
