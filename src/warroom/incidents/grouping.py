"""Grouping: firing alerts become incidents.

Alerts with the same grouping key (the playbook's grouping labels, by default service,
version and alert name) join the open incident of that key whose last alert arrived within
the playbook's grouping window; otherwise they open a new incident, classified by its worst
alert. In the key an alert's name counts as its family when the playbook's
``grouping.families`` lists it (by default one family, ``version-fault``, holds every
detector alert: ServiceDown, ModelNotLoaded, HighErrorRate, HighLatency, DriftCritical,
HighPredictionErrorRate, DriftDetected), so one fault on one version that shows under several
names, or resolves and fires again, is one incident, raised as it worsens.
Alerts only ever raise an incident's severity; people may lower it.

This is the incidents domain's part of the intake: it knows incidents and their timeline,
not what the intake does around them. How an alert is classified, and how a new incident is
routed before it is first stored, are handed in by the caller; paging and rollbacks are left
to it, and it gets back what was opened, joined and raised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from warroom.incidents import ids, lifecycle
from warroom.incidents import service as incidents
from warroom.incidents.classify import Verdict
from warroom.incidents.models import Incident
from warroom.playbook.schema import Grouping, Playbook
from warroom.playbook.terms import most_severe, severity_rank

SYSTEM_ACTOR = "warroom"


class Labelled(Protocol):
    """What grouping and silences match on: an incoming alert, a stored one or a new one."""

    @property
    def name(self) -> str: ...
    @property
    def service(self) -> str | None: ...
    @property
    def labels(self) -> dict[str, str]: ...


class Member(Labelled, Protocol):
    """An alert being grouped: a stored row, or a new one about to be inserted."""

    incident_id: str | None

    @property
    def id(self) -> int | None: ...
    @property
    def source(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def summary(self) -> str | None: ...
    @property
    def metrics(self) -> dict[str, float]: ...
    @property
    def starts_at(self) -> datetime: ...


M = TypeVar("M", bound=Member)

# Gives a new incident its team before it is first stored, so that its row is written once
# (routing is the caller's): the incident, and its first alert's name.
Route = Callable[[Incident, str], None]


@dataclass
class Grouped:
    """What one call of :func:`group` did, in grouping-key order."""

    opened: list[Incident] = field(default_factory=list)
    joined: list[Incident] = field(default_factory=list)
    # Ids of the joined incidents whose severity the new members raised.
    raised: set[str] = field(default_factory=set)


def match_labels(alert: Labelled) -> dict[str, str]:
    """Labels used by silences and grouping: the alert's labels plus alertname and service."""
    return {**alert.labels, "alertname": alert.name, "service": alert.service or ""}


def group_key(alert: Labelled, grouping: Grouping) -> str:
    """The key alerts of one incident share: the grouping labels' values, the alert name
    replaced by its family."""
    merged = match_labels(alert)
    merged["alertname"] = grouping.family_of(alert.name)
    return "|".join(f"{name}={merged.get(name, '')}" for name in grouping.labels)


@dataclass
class Joinable:
    """The joinable incident of each grouping key looked up so far (None: none), kept up to
    date by :func:`group` as it opens incidents, so that several calls in one transaction
    (the parts of one intake pass) look each key up once."""

    found: dict[str, Incident | None] = field(default_factory=dict)

    def look_up(self, session: Session, keys: list[str], playbook: Playbook, now: datetime) -> None:
        missing = [key for key in dict.fromkeys(keys) if key not in self.found]
        if missing:
            existing = _joinable(session, missing, playbook, now)
            self.found.update({key: existing.get(key) for key in missing})


@dataclass
class Openings:
    """Incidents opened in this transaction whose rows and first tasks are not written yet:
    :meth:`settle` writes them all at once, one INSERT of incidents and one of tasks (an
    alert storm opens hundreds of incidents in one pass, a few statements each otherwise)."""

    playbook: Playbook
    now: datetime
    #: Each pending incident (by id) and the alerts it opened with.
    pending: dict[str, tuple[Incident, Sequence[Member]]] = field(default_factory=dict)
    #: Every id this transaction took (see ids.next_id), written or not.
    reserved: set[str] = field(default_factory=set)

    def add(self, incident: Incident, members: Sequence[Member]) -> None:
        self.pending[incident.id] = (incident, members)

    def settle(self, session: Session) -> None:
        """Write the pending incidents and their first tasks, then point their alerts at
        them (only then: the ORM orders its writes by relationships, not foreign keys, so
        a stored alert changed earlier could be written before its incident)."""
        if not self.pending:
            return
        opening, self.pending = list(self.pending.values()), {}
        session.flush()
        for incident, members in opening:
            for member in members:
                member.incident_id = incident.id
        opened = [incident for incident, _ in opening]
        incidents.enter_opened(
            session=session, incidents=opened, playbook=self.playbook, now=self.now
        )


def group(
    session: Session,
    members: Sequence[M],
    *,
    playbook: Playbook,
    classify: Callable[[M], Verdict],
    route: Route,
    now: datetime,
    joinable: Joinable | None = None,
    openings: Openings | None = None,
) -> Grouped:
    """Put firing alerts that have no incident into incidents: per grouping key, join the
    open one or open a new one. ``joinable``: what earlier calls in this transaction found
    and opened (they must not have changed an incident's status since). ``openings``: the
    caller settles the new incidents (several calls in one pass); without it this call
    does, before it returns."""
    grouped = Grouped()
    if not members:
        return grouped
    by_key = _by_key(members, playbook.grouping)
    known = joinable if joinable is not None else Joinable()
    known.look_up(session, list(by_key), playbook, now)
    existing = known.found
    pending = openings if openings is not None else Openings(playbook, now)
    for key, keyed in by_key.items():
        incident = existing.get(key)
        if incident is None:
            incident = open_incident(
                session,
                key,
                keyed,
                classify=classify,
                route=route,
                now=now,
                reserved=pending.reserved,
            )
            pending.add(incident, keyed)
            existing[key] = incident
            grouped.opened.append(incident)
        else:
            if incident.id in pending.pending:  # its tasks come before what joins it
                pending.settle(session)
            if join(session, incident, keyed, classify=classify, now=now):
                grouped.raised.add(incident.id)
            grouped.joined.append(incident)
    if openings is None:
        pending.settle(session)
    return grouped


def _by_key(members: Sequence[M], grouping: Grouping) -> dict[str, list[M]]:
    by_key: dict[str, list[M]] = defaultdict(list)
    for member in members:
        by_key[group_key(member, grouping)].append(member)
    return by_key


def _joinable(
    session: Session, keys: list[str], playbook: Playbook, now: datetime
) -> dict[str | None, Incident]:
    """The open incident of each key whose last alert arrived within the grouping window."""
    since = now - playbook.grouping.window
    found = session.scalars(_JOINABLE, {"keys": keys, "since": since}).all()
    # Ordered by detection, so should a key have several, the latest detected is joined.
    return {incident.group_key: incident for incident in found}


# Built once: building it cost about what SQLite takes to run it, on every intake.
_JOINABLE = (
    select(Incident)
    .where(
        Incident.group_key.in_(bindparam("keys", expanding=True)),
        Incident.status.in_(lifecycle.OPEN_STATES),
        Incident.last_alert_at >= bindparam("since"),
    )
    .order_by(Incident.detected_at)
)


def join(
    session: Session,
    incident: Incident,
    members: Sequence[M],
    *,
    classify: Callable[[M], Verdict],
    now: datetime,
) -> bool:
    """Attach alerts to an open incident: one timeline entry per call, not per alert. True
    when they raised its severity."""
    for member in members:
        member.incident_id = incident.id
    names = ", ".join(sorted({f"{m.name} ({m.source})" for m in members}))
    count = len(members)
    incidents.add_event_later(
        session=session,
        incident_id=incident.id,
        kind="alert",
        actor=SYSTEM_ACTOR,
        message=f"{count} alert{'s' if count > 1 else ''} joined the incident: {names}",
        now=now,
        data={"fingerprints": [m.fingerprint for m in members][:100], "count": count},
    )
    worst = min(map(classify, members), key=lambda v: severity_rank(v.severity))
    raised = raise_severity(session, incident, worst, now)
    incident.started_at = min(incident.started_at, *(m.starts_at for m in members))
    incident.last_alert_at = now
    incident.updated_at = now
    return raised


def open_incident(
    session: Session,
    key: str,
    members: Sequence[M],
    *,
    classify: Callable[[M], Verdict],
    route: Route,
    now: datetime,
    reserved: set[str],
) -> Incident:
    """A new incident for alerts of one grouping key, classified by the worst of them; added
    to the session, its row and first tasks written (and its alerts pointed at it) by
    :meth:`Openings.settle`.
    ``reserved``: ids already handed out and not stored yet (this one is added)."""
    found = [classify(member) for member in members]
    worst = min(range(len(members)), key=lambda i: severity_rank(found[i].severity))
    lead, verdict = members[worst], found[worst]
    incident = Incident(
        id=ids.next_id(session=session, at=now, reserved=reserved),
        title=title(lead),
        severity=verdict.severity,
        status="triggered",
        service=lead.service,
        group_key=key,
        started_at=min(m.starts_at for m in members),
        detected_at=now,
        last_alert_at=now,
        updated_at=now,
        metrics=dict(lead.metrics),
        labels=common_labels(members),
    )
    route(incident, first(members).name)
    session.add(incident)
    _record_opened(session, incident, members, verdict, now)
    return incident


def _record_opened(
    session: Session, incident: Incident, members: Sequence[Member], verdict: Verdict, now: datetime
) -> None:
    names = ", ".join(sorted({f"{m.name} ({m.source})" for m in members}))
    incidents.add_event_later(
        session=session,
        incident_id=incident.id,
        kind="opened",
        actor=SYSTEM_ACTOR,
        message=f"Incident opened as {verdict.severity} from {names}: {'; '.join(verdict.reasons)}",
        now=now,
        data={
            "alerts": len(members),
            "reasons": list(verdict.reasons),
            "group_key": incident.group_key,
        },
    )


def touch(session: Session, incident: Incident, verdict: Verdict, now: datetime) -> bool:
    """A repeat of an alert already in the open incident: its last alert arrived now, and
    its verdict may raise the severity. True when it raised it."""
    incident.last_alert_at = now
    return raise_severity(session, incident, verdict, now)


def raise_severity(session: Session, incident: Incident, verdict: Verdict, now: datetime) -> bool:
    """The classifier only ever raises an incident's severity; people may lower it. True
    when it raised it."""
    if most_severe(incident.severity, verdict.severity) == incident.severity:
        return False
    old, incident.severity = incident.severity, verdict.severity
    incident.updated_at = now
    incidents.add_event_later(
        session=session,
        incident_id=incident.id,
        kind="severity",
        actor=SYSTEM_ACTOR,
        message=f"Severity raised {old} → {verdict.severity}: {'; '.join(verdict.reasons)}",
        now=now,
        data={"from": old, "to": verdict.severity, "reasons": list(verdict.reasons)},
    )
    return True


def first(members: Sequence[M]) -> M:
    """The member with the lowest id: a stored one, else the first new one (new rows get
    their ids in batch order, after every stored row's)."""
    stored = [m for m in members if m.id is not None]
    return min(stored, key=lambda m: m.id or 0) if stored else members[0]


def title(alert: Member) -> str:
    where = f" on {alert.service}" if alert.service else ""
    summary = f": {alert.summary}" if alert.summary else ""
    return f"{alert.name}{where}{summary}"[:300]


def common_labels(members: Sequence[Member]) -> dict[str, str]:
    """The labels every member has, with the same value."""
    common = dict(members[0].labels)
    for member in members[1:]:
        common = {k: v for k, v in common.items() if member.labels.get(k) == v}
    return common
