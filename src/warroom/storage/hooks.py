"""Run code of this process around a commit that did something worth acting on.

A transaction notes what it did (``note(session, key, value)``: a job enqueued, a batch
appended to the intake log, a page to send); after its commit, every callback registered for
that key on the session factory gets the values noted, once. A rollback of the whole
transaction forgets them, as nothing happened (a savepoint's rollback does not: the outer
transaction may still commit, and a callback finds nothing to do for what was undone).
The worker's wake-up, the pager and the intake processor use this, so they act on their own
process's work at once and poll only for other processes' work.

After-commit callbacks run inside the commit's bookkeeping (on SQLite the write lock may
still be held): hand the values over to a thread, do no database work there. A before-commit
callback (``before_commit``) is the other way round: it runs inside the transaction, just
before it is written, and its statements commit (or roll back) with it; the pager claims the
pages it is about to send there, so they need no transaction of their own before the send.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

Callback = Callable[[list[Any]], None]
#: ``(session, values)``, inside the transaction that noted the values.
Before = Callable[[Session, list[Any]], None]


def note(session: Session, key: str, value: Any = None) -> None:
    """Remember ``value`` under ``key`` for this session's next commit."""
    session.info.setdefault(key, []).append(value)


def after_commit(
    factory: sessionmaker[Session], key: str, callback: Callback, *, remove: bool = False
) -> None:
    """Call ``callback(values)`` after each commit of a ``factory`` session that noted
    ``key``; ``remove=True`` undoes it. Every callback of the key is called, in order."""
    _add(_hooks(factory, remove).after, key, callback, remove)


def before_commit(
    factory: sessionmaker[Session], key: str, callback: Before, *, remove: bool = False
) -> None:
    """Call ``callback(session, values)`` when a ``factory`` session that noted ``key``
    commits its outermost transaction, before anything is written: what it does commits with
    the transaction (an error rolls it all back). The values stay noted for the after-commit
    callbacks. ``remove=True`` undoes it."""
    _add(_hooks(factory, remove).before, key, callback, remove)


@dataclass
class _Hooks:
    before: dict[str, list[Any]] = field(default_factory=dict)
    after: dict[str, list[Any]] = field(default_factory=dict)


def _hooks(factory: sessionmaker[Session], remove: bool) -> _Hooks:
    hooks = _HOOKS.get(factory)
    if hooks is None:
        if remove:
            return _Hooks()  # nothing registered: nothing to undo
        hooks = _HOOKS[factory] = _Hooks()
        _listen(factory, hooks)
    return hooks


def _add(registry: dict[str, list[Any]], key: str, callback: Any, remove: bool) -> None:
    callbacks = registry.setdefault(key, [])
    if remove:
        if callback in callbacks:
            callbacks.remove(callback)
    elif callback not in callbacks:
        callbacks.append(callback)


def _listen(factory: sessionmaker[Session], hooks: _Hooks) -> None:
    # The listeners hold the hooks, not the factory, so a factory that goes away takes both
    # along (the registry below holds factories weakly).
    def committing(session: Session) -> None:
        if session.in_nested_transaction():  # a savepoint's release: not written yet
            return
        for key, callbacks in list(hooks.before.items()):
            values = session.info.get(key)
            if not values:
                continue
            for callback in list(callbacks):
                callback(session, list(values))

    def committed(session: Session) -> None:
        if session.in_nested_transaction():  # a savepoint's release: not committed yet
            return
        for key in [*hooks.before, *hooks.after]:
            values = session.info.pop(key, None)
            for callback in list(hooks.after.get(key, ())) if values else ():
                callback(values)

    def rolled_back(session: Session, previous: SessionTransaction) -> None:
        if previous.parent is None:  # the whole transaction, not a savepoint
            for key in [*hooks.before, *hooks.after]:
                session.info.pop(key, None)

    # First among the before-commit listeners: the summaries kept at the commit lock their
    # few busy rows until it ends (PostgreSQL), so they should go last.
    event.listen(factory, "before_commit", committing, insert=True)
    event.listen(factory, "after_commit", committed)
    event.listen(factory, "after_soft_rollback", rolled_back)


_HOOKS: weakref.WeakKeyDictionary[sessionmaker[Session], _Hooks] = weakref.WeakKeyDictionary()
