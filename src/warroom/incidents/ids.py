"""Incident ids: ``INC-YYYYMMDD-HHMMSS``, with ``-2``, ``-3``.. when a second is taken."""

from __future__ import annotations

import itertools
import random
import threading
import weakref
from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from warroom.incidents.models import Incident


def base_id(at: datetime) -> str:
    return at.astimezone(UTC).strftime("INC-%Y%m%d-%H%M%S")


def next_id(*, session: Session, at: datetime, reserved: set[str]) -> str:
    """A free id for this second; ``reserved`` holds ids taken in this transaction.

    Candidates are looked up by exact id, a chunk at a time, so the lookup uses the primary
    key (a prefix ``LIKE`` scans every incident on SQLite). The search starts after the
    last suffix this process gave for the second, so a storm opening hundreds of incidents
    in one second does not look at every taken id again for each new one. Concurrent
    transactions of this process (PostgreSQL runs them in parallel) take their ids one at
    a time, so they never pick the same one; another process's may collide, and its
    transaction is retried (``intake.batch``)."""
    with _lock:
        return _next(session, base_id(at), reserved)


# Built once: every new incident may look its id up.
_TAKEN = select(Incident.id).where(Incident.id.in_(bindparam("ids", expanding=True)))


def _next(session: Session, base: str, reserved: set[str]) -> str:
    engine = session.get_bind()
    hint_base, hint = _last.get(engine, ("", 0))
    first = hint + 1 if hint_base == base else 1
    # The rest of this transaction's last lookup: no lookup per id in a storm. Those another
    # transaction of this process was given since (below the hint) are passed over.
    free = _free.get(session, [])
    while free:
        at_base, n = free.pop(0)
        candidate = _nth(base, n)
        if at_base == base and n >= first and candidate not in reserved:
            return _give(engine, base, n, candidate, reserved)
    for start in itertools.count(first, CHUNK):
        numbers = range(start, start + CHUNK)
        candidates = [_nth(base, n) for n in numbers]
        # Ids of this transaction are in ``reserved``: the new incidents the session holds
        # are left for their caller to write (all at once, see grouping.Openings).
        with session.no_autoflush:
            taken = set(session.scalars(_TAKEN, {"ids": candidates}))
        unused = [
            (n, c) for n, c in zip(numbers, candidates, strict=True) if c not in taken | reserved
        ]
        if unused:
            (n, candidate), rest = unused[0], unused[1:]
            _free[session] = [(base, m) for m, _ in rest]
            return _give(engine, base, n, candidate, reserved)
    raise AssertionError("unreachable")


def _give(engine: object, base: str, n: int, candidate: str, reserved: set[str]) -> str:
    reserved.add(candidate)
    _last[engine] = (base, n)
    return candidate


CHUNK = 20
# Per database: the latest second this process gave ids for, and the highest suffix number
# it gave. A hint only: another process's ids are found by the lookup, and an id that a
# rolled-back transaction did not use is merely skipped.
_last: weakref.WeakKeyDictionary[object, tuple[str, int]] = weakref.WeakKeyDictionary()
# Per session: the candidates after the one given that its last lookup found free, in order.
# Kept for one session only, so a transaction retried after an id race looks up afresh; one
# taken by another process meanwhile fails the insert and is retried, as when two processes
# look up the same candidates at once.
_free: weakref.WeakKeyDictionary[Session, list[tuple[str, int]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def skip_ahead(engine: object) -> None:
    """Another process took the id this one picked: move this process's next ids a random
    few numbers on, so two processes opening incidents in the same second stop picking the
    same ones in step (the numbers skipped are merely unused)."""
    with _lock:
        base, hint = _last.get(engine, ("", 0))
        _last[engine] = (base, hint + random.randint(1, 8))


def _nth(base: str, n: int) -> str:
    return base if n == 1 else f"{base}-{n}"
