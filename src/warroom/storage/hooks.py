"""Run code of this process right after a commit that did something worth acting on.

A transaction notes what it did (``note(session, key, value)``: a job enqueued, a batch
appended to the intake log, a page to send); after its commit, every callback registered for
that key on the session factory gets the values noted, once. A rollback of the whole
transaction forgets them, as nothing happened (a savepoint's rollback does not: the outer
transaction may still commit, and a callback finds nothing to do for what was undone).
The worker's wake-up, the pager and the intake processor use this, so they act on their own
process's work at once and poll only for other processes' work.

Callbacks run inside the commit's bookkeeping (on SQLite the write lock may still be held):
hand the values over to a thread, do no database work there.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

Callback = Callable[[list[Any]], None]


def note(session: Session, key: str, value: Any = None) -> None:
    """Remember ``value`` under ``key`` for this session's next commit."""
    session.info.setdefault(key, []).append(value)


def after_commit(
    factory: sessionmaker[Session], key: str, callback: Callback, *, remove: bool = False
) -> None:
    """Call ``callback(values)`` after each commit of a ``factory`` session that noted
    ``key``; ``remove=True`` undoes it. Every callback of the key is called, in order."""
    keys = _KEYS.get(factory)
    if keys is None:
        if remove:
            return
        keys = _KEYS[factory] = {}
        _listen(factory, keys)
    callbacks = keys.setdefault(key, [])
    if remove:
        if callback in callbacks:
            callbacks.remove(callback)
    elif callback not in callbacks:
        callbacks.append(callback)


def _listen(factory: sessionmaker[Session], keys: dict[str, list[Callback]]) -> None:
    # The listeners hold the dict, not the factory, so a factory that goes away takes both
    # along (the registry below holds factories weakly).
    def committed(session: Session) -> None:
        for key, callbacks in list(keys.items()):
            values = session.info.pop(key, None)
            for callback in list(callbacks) if values else ():
                callback(values)

    def rolled_back(session: Session, previous: SessionTransaction) -> None:
        if previous.parent is None:  # the whole transaction, not a savepoint
            for key in list(keys):
                session.info.pop(key, None)

    event.listen(factory, "after_commit", committed)
    event.listen(factory, "after_soft_rollback", rolled_back)


_KEYS: weakref.WeakKeyDictionary[sessionmaker[Session], dict[str, list[Callback]]] = (
    weakref.WeakKeyDictionary()
)
