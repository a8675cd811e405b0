"""What becomes of each alert of a batch, decided as pure code.

The intake (:mod:`warroom.intake.service`) gathers the facts about an alert (is an alert of
its source and fingerprint firing, what became of the latest one, which silence covers it,
which ``for`` rules it holds) and acts on the answer; the decisions themselves are plain
functions over plain values, with no session, so that each case is a unit test
(``tests/unit/test_intake_decide.py``). Two decisions per alert:

- :func:`arrival`: what the alert is to what is stored: a new alert, a repeat of the firing
  one, the resolve of the firing one, a re-sent resolve, or a resolve never seen firing;
- :func:`fate`, for a firing alert once stored: silenced, already in an incident, pending
  (only ``for`` rules that have not elapsed match it), or to be grouped into an incident.

:class:`Verdicts` classifies the batch's alerts for both, sharing one verdict among alerts
that report the same observations.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from warroom.incidents.classify import Verdict, classify, held_for, pending_until
from warroom.intake import holds
from warroom.playbook.schema import Classification, Rule


class Arrival(StrEnum):
    """What an alert is to what is stored."""

    NEW = "new"  # firing, and no alert of its source and fingerprint fires: a new alert
    REPEAT = "repeat"  # the firing alert fires again: it is updated, never a new incident
    RESOLVE = "resolve"  # resolves the firing alert
    # Resolves an alert already resolved: Alertmanager re-sends resolved notifications.
    RESOLVE_AGAIN = "resolve_again"
    # A resolve for an alert never seen firing: kept as a new, resolved alert (nothing lost).
    RESOLVE_UNSEEN = "resolve_unseen"

    @property
    def creates(self) -> bool:
        """True when the alert is stored as a new row (else an existing one is updated)."""
        return self in (Arrival.NEW, Arrival.RESOLVE_UNSEEN)


class Fate(StrEnum):
    """What becomes of a firing alert once stored."""

    SILENCED = "silenced"  # an active silence covers it: no incident, nothing paged
    IN_INCIDENT = "in_incident"  # a repeat of an alert in an incident: that incident is touched
    PENDING = "pending"  # only rules whose "for" has not elapsed match: looked at again later
    GROUP = "group"  # opens or joins an incident


class Observed(Protocol):
    """What the decisions read of an alert: a stored row or a new one."""

    @property
    def source(self) -> str: ...
    @property
    def severity(self) -> str | None: ...
    @property
    def metrics(self) -> dict[str, float]: ...
    @property
    def holds(self) -> dict[str, str] | None: ...
    @property
    def silence_id(self) -> int | None: ...
    @property
    def incident_id(self) -> str | None: ...


def arrival(status: str, *, firing: bool, latest: str | None) -> Arrival:
    """What an incoming alert of ``status`` is. ``firing``: an alert of its source and
    fingerprint fires (stored, or earlier in the batch); ``latest``: the status of the
    latest stored alert of that source and fingerprint, which only a resolve that finds
    nothing firing looks at (None when there is none)."""
    if status == "firing":
        return Arrival.REPEAT if firing else Arrival.NEW
    if firing:
        return Arrival.RESOLVE
    if latest == "resolved":
        return Arrival.RESOLVE_AGAIN
    return Arrival.RESOLVE_UNSEEN


def fate(
    alert: Observed,
    *,
    timed: list[Rule],
    verdict: Callable[[Observed], Verdict],
    now: datetime,
) -> tuple[Fate, datetime | None]:
    """What becomes of a firing alert, its silence and holds up to date; with, when
    pending, the instant to look at it again. ``timed``: the playbook's rules with a
    ``for``; ``verdict``: the alert's classification (see :class:`Verdicts`)."""
    if alert.silence_id is not None:
        return Fate.SILENCED, None
    if alert.incident_id is not None:
        return Fate.IN_INCIDENT, None
    # Without "for" rules nothing is ever pending: spare the classification.
    due = pending_due(alert, timed=timed, verdict=verdict, now=now) if timed else None
    if due is not None:
        return Fate.PENDING, due
    return Fate.GROUP, None


def pending_due(
    alert: Observed,
    *,
    timed: list[Rule],
    verdict: Callable[[Observed], Verdict],
    now: datetime,
) -> datetime | None:
    """When a pending alert should be looked at again; None when it opens an incident now.
    It is pending while nothing but its unfinished ``for`` rules would match it: the
    classification fell back to the default severity, and a held rule is still running."""
    if not verdict(alert).by_default:
        return None
    return pending_until(rules=timed, holds=holds.parse(alert.holds), now=now)


class Verdicts:
    """The verdicts of one batch's alerts. Alerts that report the same observations share
    one (a storm is thousands of alerts with a handful of distinct values); an alert with
    ``for`` holds is classified on its own, since its verdict depends on how long it held."""

    def __init__(self, policy: Classification, now: datetime):
        self.policy = policy
        self.now = now
        self._seen: dict[tuple[object, ...], Verdict] = {}

    def __call__(self, alert: Observed) -> Verdict:
        if alert.holds:
            return self._classify(alert, held_for(holds.parse(alert.holds), self.now))
        key = (alert.source, alert.severity, *sorted(alert.metrics.items()))
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._classify(alert, None)
        return found

    def _classify(self, alert: Observed, held: dict[str, timedelta] | None) -> Verdict:
        return classify(
            metrics=alert.metrics,
            source=alert.source,
            source_severity=alert.severity,
            policy=self.policy,
            held=held,
        )
