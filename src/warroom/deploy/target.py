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


def choose(
    versions: list[VersionFacts], *, now: datetime, stable_after: timedelta
) -> tuple[VersionFacts | None, list[str]]:
    """The newest earlier stable version than the current one, and why others were skipped."""
    live = current(versions)
    earlier = [
        v
        for v in versions
        if live is None or (v.version != live.version and v.deployed_at <= live.deployed_at)
    ]
    skipped: list[str] = []
    for v in sorted(earlier, key=lambda v: v.deployed_at, reverse=True):
        reason = why_not(v, now=now, stable_after=stable_after)
        if reason is None:
            return v, skipped
        skipped.append(f"{v.version}: {reason}")
    return None, skipped
