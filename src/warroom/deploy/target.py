"""Which version a rollback goes back to: pure, over plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class VersionFacts:
    version: str
    deployed_at: datetime
    state: str
    weight: float
    stable_since: datetime | None
    served_until: datetime | None
    marked_stable: bool
    rolled_back_from: bool


def current(versions: list[VersionFacts]) -> VersionFacts | None:
    """The version taking most traffic (newest on a tie)."""
    serving = [v for v in versions if v.weight > 0]
    if not serving:
        return None
    return max(serving, key=lambda v: (v.weight, v.deployed_at))


def stable_for(v: VersionFacts, *, now: datetime) -> timedelta:
    """How long the version served at full traffic without interruption."""
    if v.stable_since is None:
        return timedelta(0)
    return (v.served_until or now) - v.stable_since


def why_not(v: VersionFacts, *, now: datetime, stable_after: timedelta) -> str | None:
    """The reason a version cannot be a rollback target, or None if it can."""
    if v.state == "bad":
        return "marked bad"
    if v.rolled_back_from:
        return "was itself rolled back from"
    if v.marked_stable:
        return None
    served = stable_for(v, now=now)
    if served < stable_after:
        return f"served {served} at full traffic, needs {stable_after}"
    return None


def suspect(
    versions: list[VersionFacts], *, reported: str | None = None, exclude: str | None = None
) -> VersionFacts | None:
    """The version a rollback moves traffic away from.

    The version the incident is about (``reported``, e.g. a detector's ``version`` label)
    when it is known and takes traffic; else the newest deploy taking traffic, whatever its
    share (a 10 % canary is the suspect, not the 90 % it runs beside)."""
    serving = [v for v in versions if v.weight > 0 and v.version != exclude]
    named = next((v for v in serving if v.version == reported), None)
    if named is not None:
        return named
    return max(serving, key=lambda v: v.deployed_at, default=None)


def choose(
    versions: list[VersionFacts],
    *,
    now: datetime,
    stable_after: timedelta,
    reported: str | None = None,
) -> tuple[VersionFacts | None, list[str]]:
    """The version to roll back to, and why others were skipped.

    Candidates are the versions deployed before the suspect (see ``suspect``), whatever
    traffic they take now (the stable side of a canary may already serve 90 %): the newest
    one an operator marked stable, else the newest that served at full traffic for
    ``stable_after``."""
    bad = suspect(versions, reported=reported)
    earlier = [
        v
        for v in versions
        if bad is None or (v.version != bad.version and v.deployed_at <= bad.deployed_at)
    ]
    newest_first = sorted(earlier, key=lambda v: v.deployed_at, reverse=True)
    skipped: list[str] = []
    reasons = {v.version: why_not(v, now=now, stable_after=stable_after) for v in newest_first}
    marked = [v for v in newest_first if v.marked_stable and reasons[v.version] is None]
    if marked:
        return marked[0], skipped
    for v in newest_first:
        reason = reasons[v.version]
        if reason is None:
            return v, skipped
        skipped.append(f"{v.version}: {reason}")
    return None, skipped
