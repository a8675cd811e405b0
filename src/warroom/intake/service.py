"""Intake: alerts from any source become stored alerts and grouped, classified incidents.

One call handles one batch in the caller's transaction, so a batch is stored whole or not at
all. Decisions per alert (made as pure code in :mod:`warroom.intake.decide`):

- same (source, fingerprint) already firing → update it (a repeat, never a new incident);
- resolved → resolve the firing alert; when an incident has no firing alert left, record it on
  the timeline and resolve the incident only if the playbook says ``auto_resolve``;
- covered by an active silence → stored with the silence id, no incident (nothing is paged);
  a repeat after the silence ended opens or joins an incident as usual;
- matched only by rules whose ``for`` has not elapsed yet → pending: stored, no incident; a
  durable job looks again when the ``for`` elapses and opens the incident if the alert still
  fires and the conditions held without a break (each observation that breaks one restarts
  its clock). A blip that resolves first opens nothing. When another rule already matches, the
  incident opens at once and the ``for`` rule raises its severity when it is due;
- otherwise join the open incident with the same grouping key whose last alert arrived within
  the playbook's grouping window, or open a new incident classified by the playbook
  (:mod:`warroom.incidents.grouping`).

This module is the orchestration: it gathers each alert's facts from the database, acts on
the decisions, stores the new alerts in bulk (:mod:`warroom.intake.rows`), has the alerts
grouped, then follows up (:mod:`warroom.intake.follow_up`: paging, acknowledgements,
resolutions, rollbacks, samples).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertCreate
from warroom.audit import service as audit
from warroom.incidents import grouping, lifecycle
from warroom.incidents.grouping import SYSTEM_ACTOR, group_key, match_labels
from warroom.incidents.models import Incident
from warroom.intake import follow_up, holds, rows
from warroom.intake.decide import Arrival, Fate, Verdicts, arrival, fate
from warroom.intake.result import IngestResult
from warroom.intake.rows import Row
from warroom.notify import service as outbox
from warroom.playbook.schema import Playbook, Rule
from warroom.response import service as response
from warroom.samples import service as samples
from warroom.silences import service as silences
from warroom.silences.models import Matcher

# Imported from here by the entry points and tests; defined where they belong.
__all__ = [
    "SYSTEM_ACTOR",
    "IngestResult",
    "Part",
    "check_pending",
    "group_key",
    "ingest",
    "ingest_parts",
    "match_labels",
]


def ingest(
    *,
    session: Session,
    alerts: list[AlertCreate],
    playbook: Playbook,
    actor: str,
    now: datetime,
    integration_id: int | None = None,
) -> IngestResult:
    """Store a batch of alerts and open, update or resolve incidents accordingly."""
    part = Part(alerts=alerts, actor=actor, integration_id=integration_id)
    [result] = ingest_parts(session=session, parts=[part], playbook=playbook, now=now)
    return result


@dataclass
class Part:
    """One caller's batch: its alerts and who sent them."""

    alerts: list[AlertCreate]
    actor: str
    integration_id: int | None = None


@dataclass(eq=False)
class _Work:
    """A part being ingested: what its alerts became, and what is left to do once the new
    alerts are stored."""

    part: Part
    result: IngestResult = field(default_factory=IngestResult)
    rows: list[Row] = field(default_factory=list)
    waiting: dict[int, tuple[Row, datetime]] = field(default_factory=dict)
    resolved_in: set[str] = field(default_factory=set)
    acks: set[str] = field(default_factory=set)


@dataclass
class _Shared:
    """What every part of one pass shares: its firing alerts (by source and fingerprint),
    the silences in force, the rules with a ``for``, the verdicts, the incidents found and
    the ones opened (written together once every part is grouped)."""

    firing: dict[tuple[str, str], Row]
    in_force: list[tuple[int, list[Matcher]]]
    timed: list[Rule]
    verdict: Verdicts
    joinable: grouping.Joinable
    openings: grouping.Openings


def ingest_parts(
    *, session: Session, parts: list[Part], playbook: Playbook, now: datetime
) -> list[IngestResult]:
    """Ingest several callers' batches in one pass (group commit hands over the batches that
    queued for one transaction): each part is decided in order, as if ingested alone, while
    the lookups, the insert of the new alerts and the samples are shared. One result per
    part. No alert (source, fingerprint) may be in two parts: the caller ingests such
    batches one by one."""
    everything = [a for part in parts for a in part.alerts]
    shared = _Shared(
        firing=rows.firing_by_fingerprint(session, everything),
        in_force=silences.active(session=session, now=now),
        timed=holds.timed_rules(playbook),
        verdict=Verdicts(playbook.classification, now),
        joinable=grouping.Joinable(),
        openings=grouping.Openings(playbook, now),
    )
    if len(parts) > 1:  # the keys new alerts of the pass may need, looked up at once
        shared.joinable.look_up(session, _new_keys(everything, shared, playbook), playbook, now)
    works = [_Work(part) for part in parts]
    for work in works:
        to_group = _take(session, work, shared)
        # An alert that fired and resolved within one batch opens nothing.
        firing_rows = [r for r in to_group if r.status == "firing"]
        _group(session, firing_rows, playbook, shared.verdict, work.result, shared)
    shared.openings.settle(session)
    rows.insert_new(session, [r for work in works for r in work.rows])
    # Every observation an alert carries is a sample, so postmortem charts have real data.
    observations = follow_up.observations(everything, now)
    samples.record_many(session=session, observations=observations, source="alert")
    session.flush()
    known = follow_up.not_models(session, [work.result for work in works])
    # The new incidents' pages first, all written together; then the rest, part by part.
    with outbox.together(session):
        for work in works:
            _pending_and_pages(session, work, playbook, now)
    for work in works:
        _follow_up(session, work, playbook, now, known)
    return [work.result for work in works]


def _new_keys(alerts: list[AlertCreate], shared: _Shared, playbook: Playbook) -> list[str]:
    return [
        group_key(a, playbook.grouping)
        for a in alerts
        if a.status == "firing" and (a.source, a.fingerprint) not in shared.firing
    ]


def _take(session: Session, work: _Work, shared: _Shared) -> list[Row]:
    """Store what each alert of the part is (new, repeat, resolve) and place the firing
    ones (silenced, pending, in an incident); those that still need an incident, in order
    and each once."""
    to_group: dict[int, Row] = {}
    for spec in work.part.alerts:
        row = _store(session, work, spec, shared)
        if spec.status == "firing":
            if shared.timed:
                holds.track(row, shared.timed, shared.verdict.now)
            row.silence_id = silences.covering(shared.in_force, match_labels(spec))
            if _place(session, work, row, shared) and id(row) not in to_group:
                to_group[id(row)] = row
            if spec.acknowledge:
                work.acks.add(spec.fingerprint)
        work.rows.append(row)
    return list(to_group.values())


def _store(session: Session, work: _Work, spec: AlertCreate, shared: _Shared) -> Row:
    """Store what the alert is (see :func:`warroom.intake.decide.arrival`); the row it
    now is."""
    key = (spec.source, spec.fingerprint)
    row = shared.firing.get(key)
    # Only a resolve that finds nothing firing needs the alert's history.
    last = rows.latest(session, spec) if row is None and spec.status == "resolved" else None
    found = arrival(spec.status, firing=row is not None, latest=last.status if last else None)
    row = _apply(found, row, last, spec, shared.verdict.now, work.part.integration_id)
    if found.creates:
        work.result.created += 1
    else:
        work.result.updated += 1
    if found is Arrival.NEW:
        shared.firing[key] = row
    elif spec.status == "resolved":
        shared.firing.pop(key, None)
        if row.incident_id:
            work.resolved_in.add(row.incident_id)
    return row


def _apply(
    found: Arrival,
    firing: Row | None,
    last: Alert | None,
    spec: AlertCreate,
    now: datetime,
    integration_id: int | None,
) -> Row:
    """The row an arrival makes or updates: a new one, the firing one or the last one."""
    if found.creates:
        return rows.new_row(spec, now, integration_id)
    if found is Arrival.RESOLVE_AGAIN:
        assert last is not None  # the arrival says the last one is resolved
        rows.repeat(last, now)
        return last
    assert firing is not None  # a repeat or a resolve of the firing one
    if found is Arrival.REPEAT:
        rows.refresh(firing, spec, now)
    else:
        rows.resolve(firing, spec, now)
    return firing


def _place(session: Session, work: _Work, row: Row, shared: _Shared) -> bool:
    """Act on a firing alert's fate (see :func:`warroom.intake.decide.fate`); True when
    it is to be grouped into an incident."""
    verdict = shared.verdict
    kind, due = fate(row, timed=shared.timed, verdict=verdict, now=verdict.now)
    if kind is Fate.SILENCED:
        work.result.silenced += 1
    elif kind is Fate.IN_INCIDENT:
        _touch_incident(session, row, verdict, work.result)
    elif kind is Fate.PENDING and due is not None:
        # Its check is scheduled once the alert has an id, after the insert.
        work.waiting[id(row)] = (row, due)
    return kind is Fate.GROUP


def _touch_incident(session: Session, row: Row, verdict: Verdicts, result: IngestResult) -> None:
    """A repeat of an alert already in an incident: touch it, if it is still open."""
    incident = result.row(session, row.incident_id) if row.incident_id else None
    if incident is None or not lifecycle.is_open(incident.status):
        return
    if grouping.touch(session, incident, verdict(row), verdict.now):
        result.raised.add(incident.id)
    result.touched(incident)


def _group(
    session: Session,
    members: list[Row],
    playbook: Playbook,
    verdict: Verdicts,
    result: IngestResult,
    shared: _Shared | None = None,
) -> None:
    """Open or join incidents for firing alerts, and note them in the result. In a pass
    (``shared``), the new incidents are written once every part is grouped; otherwise
    before this returns."""

    def route(incident: Incident, alertname: str) -> None:
        response.route(incident=incident, playbook=playbook, alertname=alertname)

    grouped = grouping.group(
        session,
        members,
        playbook=playbook,
        classify=verdict,
        route=route,
        now=verdict.now,
        joinable=shared.joinable if shared else None,
        openings=shared.openings if shared else None,
    )
    for incident in grouped.opened:
        result.opened(incident)
    for incident in grouped.joined:
        result.touched(incident)
    result.raised |= grouped.raised


def _pending_and_pages(session: Session, work: _Work, playbook: Playbook, now: datetime) -> None:
    """Once the part's alerts are stored: their pending checks, and the routing and first
    pages of the incidents they opened (only incidents of this pass: what other parts do
    next cannot change them)."""
    result = work.result
    result.alert_ids = [r.id for r in work.rows if r.id is not None]
    for row, deadline in work.waiting.values():
        if row.status == "firing" and row.incident_id is None:
            holds.schedule_check(session, row.id, deadline)
            result.pending += 1
    follow_up.page_opened(session, result, playbook, now)


def _follow_up(
    session: Session, work: _Work, playbook: Playbook, now: datetime, not_models: frozenset[str]
) -> None:
    """After the pages: the part's severity raises, acknowledgements, resolutions,
    rollbacks and its audit event."""
    result, part = work.result, work.part
    follow_up.page_raised(session, result, playbook, now)
    for row in work.rows:
        if row.fingerprint in work.acks and row.incident_id:
            follow_up.acknowledge(session, row.incident_id, part.actor, now, playbook)
    follow_up.check_all_resolved(session, work.resolved_in, playbook, now, result)
    follow_up.consider_rollbacks(session, result, playbook, now, not_models)
    audit.record_later(
        session=session,
        actor=part.actor,
        action="alerts.ingest",
        target=f"integration:{part.integration_id}" if part.integration_id else "alerts",
        now=now,
        received=len(part.alerts),
        created=result.created,
        updated=result.updated,
        silenced=result.silenced,
        pending=result.pending,
        incidents_opened=result.incidents_opened,
    )


def check_pending(*, session: Session, alert_id: int, playbook: Playbook, now: datetime) -> None:
    """A pending alert's ``for`` has elapsed: open (or join) its incident if it still fires,
    or wait again when a break in the conditions restarted the clock. Idempotent."""
    row = session.get(Alert, alert_id, with_for_update=True)
    if row is None or row.status != "firing" or row.incident_id or row.silence_id:
        return
    verdict = Verdicts(playbook.classification, now)
    kind, due = fate(row, timed=holds.timed_rules(playbook), verdict=verdict, now=now)
    if kind is Fate.PENDING and due is not None:
        holds.schedule_check(session, row.id, due)
        return
    result = IngestResult(alert_ids=[row.id])
    _group(session, [row], playbook, verdict, result)
    session.flush()
    follow_up.page_opened(session, result, playbook, now)
    follow_up.consider_rollbacks(session, result, playbook, now)
    audit.record(
        session=session,
        actor=SYSTEM_ACTOR,
        action="alerts.pending_elapsed",
        target=f"alert:{row.id}",
        now=now,
        incident=row.incident_id,
        opened=bool(result.incidents_opened),
    )
