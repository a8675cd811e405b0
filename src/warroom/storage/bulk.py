"""Inserts for the hot paths (alert storms, new incidents and their jobs and events) that
bypass the ORM's unit of work and hand back the new rows' ids.

ORM objects cost more per row than the write itself, and SQLAlchemy sends one INSERT per
object when it must map generated ids back to objects on SQLite; these helpers send one
multi-row INSERT ... RETURNING instead, on SQLite as plain SQL with each value converted as
its column type stores it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    insert,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType, TypeEngine

from warroom.storage.base import Base, UTCDateTime, sqlite_datetime
from warroom.storage.engine import json_dumps


def insert_returning_ids(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` (every column but ``id``, all with the same keys) into ``model``'s
    table in the caller's transaction; their new ids, in input order."""
    if not rows:
        return []
    table = Base.metadata.tables[model.__tablename__]
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return _sqlite_insert(connection, table, rows)
    return _postgres_insert(connection, table, rows)


def insert_one(session: Session, model: type[Base], values: dict[str, Any]) -> int:
    """Insert one row (every column but ``id``) into ``model``'s table without the ORM's
    unit of work (records written on every intake, such as timeline and audit events); its
    id. New ORM objects still pending are written first, so the row may refer to them."""
    if session.new:
        session.flush()
    [new_id] = insert_returning_ids(session, model, [values])
    return new_id


def insert_unless_conflict(
    session: Session, model: type[Base], row: dict[str, Any], *, unique: str
) -> int | None:
    """Insert ``row`` into ``model``'s table unless a row with the same value of the unique
    column ``unique`` exists (two transactions racing on one value both succeed); the new
    row's id, or None when it existed."""
    table = Base.metadata.tables[model.__tablename__]
    connection = session.connection()
    on_conflict = f"ON CONFLICT ({_quote(unique)}) DO NOTHING"
    if connection.dialect.name == "sqlite":
        found = _sqlite_insert(connection, table, [row], on_conflict=on_conflict)
    else:
        found = _postgres_insert(connection, table, [row], on_conflict=on_conflict)
    return found[0] if found else None


def insert_keyed_unless_conflict(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], *, unique: str
) -> dict[Any, int]:
    """:func:`insert_unless_conflict` for many rows in one statement: the new rows' ids by
    their value of ``unique`` (a value already taken, by an existing row or an earlier one
    of ``rows``, is not in it)."""
    if not rows:
        return {}
    table = Base.metadata.tables[model.__tablename__]
    connection = session.connection()
    on_conflict = f"ON CONFLICT ({_quote(unique)}) DO NOTHING"
    returning = f"id, {_quote(unique)}"
    run = _sqlite_insert if connection.dialect.name == "sqlite" else _postgres_insert
    found = run(connection, table, rows, on_conflict=on_conflict, returning=returning)
    return {value: new_id for new_id, value in found}


def insert_all_unless_conflict(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], *, unique: str
) -> None:
    """Insert those of ``rows`` (all with the same keys) whose value of the unique column
    ``unique`` is not taken, by an existing row or an earlier one of ``rows``, in one
    statement."""
    if not rows:
        return
    table = Base.metadata.tables[model.__tablename__]
    connection = session.connection()
    on_conflict = f"ON CONFLICT ({_quote(unique)}) DO NOTHING"
    if connection.dialect.name == "sqlite":
        _sqlite_insert(connection, table, rows, on_conflict=on_conflict)
    else:
        _postgres_insert(connection, table, rows, on_conflict=on_conflict)


def insert_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (every column but ``id``) into ``model``'s table in the caller's
    transaction, bypassing the ORM's bulk machinery (several times the cost of the INSERT
    for a few rows)."""
    if rows:
        session.execute(insert(Base.metadata.tables[model.__tablename__]), list(rows))


# SQLite accepts at most 32,766 parameters in one statement.
SQLITE_MAX_PARAMETERS = 32_766


def _sqlite_insert(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    on_conflict: str = "",
    returning: str = "id",
) -> list[Any]:
    """``INSERT ... VALUES (...), (...) RETURNING id`` as plain SQL, each value converted as
    its column type stores it on SQLite. SQLite numbers the rows of one INSERT
    in VALUES order, so the sorted ids line up with the input. (Through SQLAlchemy the same
    statement costs three times SQLite's own work: its generic per-value conversion and
    parameter handling; ordered RETURNING would even send one INSERT per row.) With more
    than the id in ``returning``: its rows (id first), sorted."""
    names = tuple(rows[0])
    head, converters = _sqlite_plan(table, names)
    pick = operator.itemgetter(*names)
    row_marks = "(" + ", ".join("?" * len(names)) + ")"
    chunk = max(1, SQLITE_MAX_PARAMETERS // len(names))
    converters = tuple((i, _remembering(f) if f is sqlite_datetime else f) for i, f in converters)
    found: list[Any] = []
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        params: list[Any] = []
        for row in part:
            values = list(pick(row)) if len(names) > 1 else [pick(row)]
            for position, convert in converters:
                values[position] = convert(values[position])
            params += values
        tuples = ", ".join([row_marks] * len(part))
        sql = f"{head} VALUES {tuples} {on_conflict} RETURNING {returning}"
        answer = connection.exec_driver_sql(sql, tuple(params))
        found.extend(sorted(r[0] for r in answer) if returning == "id" else sorted(answer))
    return found


Converter = Callable[[Any], Any] | None


def _postgres_insert(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    on_conflict: str = "",
    returning: str = "id",
) -> list[Any]:
    """``INSERT ... SELECT ... FROM unnest(column arrays) ORDER BY ordinality RETURNING id``:
    one array parameter per column, however many rows. A multi-row VALUES statement carries
    one parameter per value, and psycopg parses such a statement in Python on every call
    (too long for its cache): for a storm's thousands of alerts that parsing cost more than
    the insert. The ids are assigned in the ORDER BY's order, so sorted they line up with
    the input. With more than the id in ``returning``: its rows (id first), sorted."""
    names = tuple(rows[0])
    head, casts, converters = _postgres_plan(table, names)
    if len(rows) == 1:  # one row: plain VALUES, no array to build and unpack
        values = [rows[0][name] for name in names]
        for position, convert in converters:
            values[position] = convert(values[position])
        marks = ", ".join(f"%b::{cast}" for cast in casts)
        sql = f"{head} VALUES ({marks}) {on_conflict} RETURNING {returning}"
        answer = connection.exec_driver_sql(sql, tuple(values))
        return [r[0] for r in answer] if returning == "id" else [tuple(r) for r in answer]
    columns: list[list[Any]] = [[row[name] for row in rows] for name in names]
    for position, convert in converters:
        columns[position] = [convert(value) for value in columns[position]]
    arrays = ", ".join(f"%b::{cast}[]" for cast in casts)
    listed = ", ".join(_quote(n) for n in names)
    sql = (
        f"{head} SELECT {listed} FROM unnest({arrays}) WITH ORDINALITY AS d({listed}, _ord) "
        f"ORDER BY _ord {on_conflict} RETURNING {returning}"
    )
    answer = connection.exec_driver_sql(sql, tuple(columns))
    return sorted(r[0] for r in answer) if returning == "id" else sorted(map(tuple, answer))


@cache
def _postgres_plan(
    table: Table, names: tuple[str, ...]
) -> tuple[str, tuple[str, ...], tuple[tuple[int, Callable[[Any], Any]], ...]]:
    """The statement's head, each column's array element type, and the conversions (JSON is
    sent as text and cast, as one array of ``jsonb`` cannot be adapted from dicts)."""
    head = f"INSERT INTO {_quote(table.name)} ({', '.join(_quote(n) for n in names)})"
    casts: list[str] = []
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for position, name in enumerate(names):
        column_type = table.c[name].type
        cast, convert = _postgres_type(column_type)
        casts.append(cast)
        if convert is not None:
            converters.append((position, convert))
    return head, tuple(casts), tuple(converters)


def _postgres_type(column_type: TypeEngine[Any]) -> tuple[str, Converter]:
    if isinstance(column_type, UTCDateTime):
        return "timestamptz", None
    if isinstance(column_type, JSON):
        if column_type.none_as_null:
            return "jsonb", lambda value: None if value is None else json_dumps(value)
        return "jsonb", json_dumps
    if isinstance(column_type, Boolean):
        return "boolean", None
    if isinstance(column_type, Integer):
        return "bigint", None
    if isinstance(column_type, Float):
        return "double precision", None
    if isinstance(column_type, LargeBinary):
        return "bytea", None
    if isinstance(column_type, String | Text):
        return "text", None
    raise TypeError(f"no PostgreSQL array for column type {column_type!r}")


def _remembering(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` that converts each distinct value once (a batch's rows share their
    received and updated times, and often their start)."""
    seen: dict[Any, Any] = {}

    def converted(value: Any) -> Any:
        found = seen.get(value, seen)
        if found is seen:
            found = seen[value] = convert(value)
        return found

    return converted


@cache
def _sqlite_plan(
    table: Table, names: tuple[str, ...]
) -> tuple[str, tuple[tuple[int, Callable[[Any], Any]], ...]]:
    """The statement's head, and the positions of the values SQLite stores converted (JSON
    as text, datetimes as text, booleans as integers) with their conversion."""
    head = f"INSERT INTO {_quote(table.name)} ({', '.join(_quote(n) for n in names)})"
    found = ((i, _sqlite_converter(table.c[name].type)) for i, name in enumerate(names))
    return head, tuple((i, convert) for i, convert in found if convert is not None)


def _sqlite_converter(column_type: TypeEngine[Any]) -> Converter:
    if isinstance(column_type, UTCDateTime):
        return sqlite_datetime
    if isinstance(column_type, JSON):
        # As SQLAlchemy does: None is stored as JSON null unless the type says SQL NULL.
        if column_type.none_as_null:
            return lambda value: None if value is None else json_dumps(value)
        return json_dumps
    if isinstance(column_type, Boolean):
        return lambda value: None if value is None else int(value)
    if isinstance(column_type, Integer | Float | String | Text | LargeBinary):
        return None
    if isinstance(column_type, NullType):
        # A foreign key whose type comes from the table it refers to, not yet imported in
        # this process (a worker imports fewer models than the API): ids are ints or
        # strings, which SQLite stores as they are.
        return None
    raise TypeError(f"no SQLite conversion for column type {column_type!r}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
