"""Rows written later in the transaction: many records of an append-only table (timeline
events, audit events, jobs nobody waits for) in one INSERT instead of one each, and many
updates by one statement (tasks checked off) in one executemany.

Opening an incident writes a dozen such records; a storm's pass opens hundreds of incidents
in one transaction, so one statement per table instead of one per record is most of the
write work saved. The queue is written, in call order per table, before the session executes
a query or a write to a queued table (where it would autoflush), and before the commit: a
query in the same transaction sees the rows, and a foreign key finds the rows they refer to
(pending ORM objects are flushed first). A caller that inserts into such a table at once
calls :func:`write` first, so ids keep the order of the calls. The queued updates are sent
after the inserts, in call order per statement; they change rows written before (never a
queued one). A rollback of the whole transaction forgets the queue.

Inside a savepoint (warroom itself opens none) a row is written at once, and the queue, which
belongs to the transaction around it, waits for the savepoint's end: the savepoint's rollback
takes back only its own rows, but its queries do not see the queued rows, and its rows get
smaller ids than those queued before it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from warroom.storage.base import Base
from warroom.storage.bulk import insert_all_unless_conflict, insert_returning_ids

_QUEUE = "warroom.insert_later"


class _Queue:
    def __init__(self, transaction: SessionTransaction) -> None:
        self.transaction = transaction
        self.rows: list[tuple[type[Base], str | None, dict[str, Any]]] = []
        self.updates: dict[Executable, list[dict[str, Any]]] = {}
        self.tables: set[str] = set()


def insert_later(
    session: Session, model: type[Base], values: dict[str, Any], *, unique: str | None = None
) -> None:
    """Queue a row (every column but ``id``) of ``model``'s table for this transaction;
    ``unique``: a unique column whose value, when taken, makes the insert a no-op."""
    if session.in_nested_transaction():
        _insert(session, model, unique, [values])
        return
    queue = _queue(session)
    queue.rows.append((model, unique, values))
    queue.tables.add(model.__tablename__)


def update_later(
    session: Session, statement: Executable, table: str, values: dict[str, Any]
) -> None:
    """Queue an UPDATE of ``table`` (``statement``, built once, with ``values`` for its bind
    parameters) for this transaction: the updates of one statement are sent together."""
    if session.in_nested_transaction():
        session.execute(statement, values)
        return
    queue = _queue(session)
    queue.updates.setdefault(statement, []).append(values)
    queue.tables.add(table)


def _queue(session: Session) -> _Queue:
    transaction = session.get_transaction()
    assert transaction is not None, "writing later needs a transaction"
    queue = session.info.get(_QUEUE)
    if queue is None or queue.transaction is not transaction:  # an earlier transaction's
        queue = session.info[_QUEUE] = _Queue(transaction)
    return queue


def write(session: Session) -> None:
    """Write the rows queued so far: one INSERT per table, each table's rows in call order."""
    if session.in_nested_transaction():  # they belong to the transaction around it
        return
    queue = session.info.pop(_QUEUE, None)
    if queue is None or queue.transaction is not session.get_transaction():
        return
    if not queue.rows and not queue.updates:
        return
    if session.new:  # the rows may refer to new ORM objects (an incident opened just now)
        session.flush()
    tables: dict[tuple[type[Base], str | None, tuple[str, ...]], list[dict[str, Any]]] = {}
    for model, unique, values in queue.rows:
        tables.setdefault((model, unique, tuple(values)), []).append(values)
    for (model, unique, _), rows in tables.items():
        _insert(session, model, unique, rows)
    for statement, values in queue.updates.items():
        session.execute(statement, values)


def _insert(
    session: Session, model: type[Base], unique: str | None, rows: list[dict[str, Any]]
) -> None:
    if unique is None:
        insert_returning_ids(session, model, rows)
    else:
        insert_all_unless_conflict(session, model, rows, unique=unique)


def _before_statement(state: ORMExecuteState) -> None:
    queue = state.session.info.get(_QUEUE)
    # Like pending ORM objects, the queue is not written where autoflush is off (a flush's own
    # bookkeeping queries: writing then would flush inside the flush).
    if queue is None or not state.session.autoflush:
        return
    # A query may read the queued tables; a write to another table does not (an opening's
    # task check-off, between two of its queued events, leaves the queue to grow).
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if state.is_select or table is None or table in queue.tables:
        write(state.session)


def _before_commit(session: Session) -> None:
    write(session)


def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_QUEUE, None)


event.listen(Session, "do_orm_execute", _before_statement)
event.listen(Session, "before_commit", _before_commit)
event.listen(Session, "after_soft_rollback", _after_rollback)
