"""Keyset (cursor) pagination shared by every list.

A list is read a page at a time in a fixed, total order: a few sort keys ending with the
row's primary key, so that no two rows tie. The cursor handed out with a page is the sort
keys of its last row, encoded as opaque URL-safe text; the next page is the rows strictly
after that position. Unlike an offset, the cost of a page does not grow with how deep into
the history it is, and rows written meanwhile neither repeat nor disappear from the pages
still to read (new rows sort before the cursor, so a reader who wants them starts again).

Usage::

    order = (Key(Alert.id, descending=True),)
    page = paginate(session, select(Alert), order, list_name="alerts", cursor=c, limit=100)
    page.next_cursor  # None on the last page

A cursor belongs to one list: one from another list, a tampered one or plain garbage is an
:class:`~warroom.errors.InvalidInput` naming the ``cursor`` field (a 422), never a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_, true
from sqlalchemy.orm import Session

from warroom.errors import InvalidInput

T = TypeVar("T")

#: The most rows one page may hold, whatever a caller asks for.
MAX_LIMIT = 1000


class Page(list[T]):
    """The rows of one page (a list, so existing callers keep working) and the cursor of the
    next one, None when this page is the last."""

    next_cursor: str | None
    #: The cursor that reads the page before this one (None on the first page).
    previous_cursor: str | None

    def __init__(self, items: Iterable[T] = (), next_cursor: str | None = None) -> None:
        super().__init__(items)
        self.next_cursor = next_cursor
        self.previous_cursor = None


@dataclass(frozen=True)
class Key:
    """One sort key: a column or expression, its direction, and how to read it from a row.

    ``attr`` names the row attribute holding the key's value (default: the column's name);
    ``value`` computes it instead when the key is an expression (e.g. "is open")."""

    column: ColumnElement[Any] | Any
    descending: bool = True
    attr: str | None = None
    value: Any = None

    def of(self, row: Any) -> Any:
        if self.value is not None:
            return self.value(row)
        return getattr(row, str(self.attr or self.column.key))


def encode(list_name: str, segment: int, values: Sequence[Any], *, backward: bool = False) -> str:
    """The opaque cursor for the position ``values`` (in ``segment``) of ``list_name``;
    ``backward`` reads the rows before that position instead of after it."""
    body = {"l": list_name, "s": segment, "k": [_pack(v) for v in values]}
    if backward:
        body["b"] = 1
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class Position:
    segment: int
    values: list[Any]
    backward: bool


def decode(cursor: str, list_name: str, arity: int, segments: int = 1) -> Position:
    """Where ``cursor`` points; InvalidInput (naming ``cursor``) when it is not a cursor this
    list handed out."""
    try:
        body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(body, dict) or body.get("l") != list_name:
            raise ValueError
        values, segment = body["k"], body["s"]
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError
        if type(segment) is not int or not 0 <= segment < segments:
            raise ValueError
        return Position(segment, [_unpack(v) for v in values], body.get("b") == 1)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            f"cursor: not a cursor of the {list_name} list; pass the next_cursor a previous "
            "page returned, or leave cursor out to start from the first page"
        ) from None


def _pack(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _unpack(value: Any) -> Any:
    if isinstance(value, dict):
        parsed = datetime.fromisoformat(value["t"])
        if parsed.tzinfo is None:
            raise ValueError
        return parsed
    if type(value) in (int, str):
        return value
    raise ValueError


def after(order: Sequence[Key], values: Sequence[Any], *, backward: bool = False) -> Any:
    """Rows strictly after (``backward``: before) the position ``values`` in ``order``: an
    OR of prefixes, which both databases plan with the sort index."""
    clauses: list[ColumnElement[bool]] = []
    for i, key in enumerate(order):
        later = key.descending != backward
        beyond = key.column < values[i] if later else key.column > values[i]
        same = [order[j].column == values[j] for j in range(i)]
        clauses.append(and_(*same, beyond) if same else beyond)
    return or_(*clauses)


def _read(
    session: Session,
    query: Select[Any],
    segments: Sequence[Any],
    order: Sequence[Key],
    start: Position | None,
    wanted: int,
) -> list[tuple[int, Any]]:
    """Up to ``wanted`` rows from ``start`` on, walking the segments in reading order (in
    reverse, nearest first, for a backward cursor)."""
    backward = start is not None and start.backward
    first = start.segment if start is not None else 0
    indexes = range(first, -1, -1) if backward else range(first, len(segments))
    ordering = [k.column.desc() if k.descending != backward else k.column.asc() for k in order]
    rows: list[tuple[int, Any]] = []
    for index in indexes:
        part = query.where(segments[index])
        if start is not None and index == start.segment:
            part = part.where(after(order, start.values, backward=backward))
        found = session.scalars(part.order_by(*ordering).limit(wanted - len(rows)))
        rows += [(index, row) for row in found]
        if len(rows) >= wanted:
            break
    return rows


def paginate_segments(
    session: Session,
    query: Select[Any],
    segments: Sequence[Any],
    order: Sequence[Key],
    *,
    list_name: str,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    """One page of ``query`` listing the rows of each segment in turn (e.g. open incidents
    before resolved ones), each segment in ``order``. Each segment is read on its own so
    that every read walks an index instead of sorting the whole table."""
    limit = max(1, min(limit, MAX_LIMIT))
    start = decode(cursor, list_name, len(order), len(segments)) if cursor else None
    rows = _read(session, query, segments, order, start, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    backward = start is not None and start.backward
    if backward:
        rows.reverse()
    has_next, has_previous = (True, more) if backward else (more, start is not None)
    if not rows:
        return Page()

    def at(entry: tuple[int, Any], back: bool) -> str:
        return encode(list_name, entry[0], [k.of(entry[1]) for k in order], backward=back)

    page = Page((row for _, row in rows), at(rows[-1], False) if has_next else None)
    page.previous_cursor = at(rows[0], True) if has_previous else None
    return page


def paginate(
    session: Session,
    query: Select[Any],
    order: Sequence[Key],
    *,
    list_name: str,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    """One page of ``query`` in ``order`` after ``cursor`` (the first page without one)."""
    return paginate_segments(
        session, query, (true(),), order, list_name=list_name, cursor=cursor, limit=limit
    )
