"""Bulk inserts that hand back the new rows' ids (hot paths: alert storms, new incidents).

ORM objects cost more per row than the write itself, and SQLAlchemy sends one INSERT per
object when it must map generated ids back to objects on SQLite; these helpers send one
multi-row INSERT ... RETURNING instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from warroom.storage.base import Base


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
        # SQLite numbers the rows of one INSERT in VALUES order, so sorted ids line up with
        # the input; asking SQLAlchemy for ordered RETURNING would send one INSERT per row.
        statement = insert(table).returning(table.c.id)
        return sorted(connection.execute(statement, list(rows)).scalars().all())
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, list(rows)).scalars().all())


def insert_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (every column but ``id``) into ``model``'s table in the caller's
    transaction, bypassing the ORM's bulk machinery (several times the cost of the INSERT
    for a few rows)."""
    if rows:
        session.execute(insert(Base.metadata.tables[model.__tablename__]), list(rows))
