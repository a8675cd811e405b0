"""Intake: alerts from any source become stored alerts and grouped, classified incidents.

One call handles one batch in the caller's transaction, so a batch is stored whole or not at
all. Decisions per alert:

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
  the playbook's grouping window, or open a new incident classified by the playbook.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertCreate
from warroom.audit import service as audit
from warroom.incidents import ids, lifecycle
from warroom.incidents import service as incidents
from warroom.incidents.classify import Verdict, classify, held_for, pending_until
from warroom.incidents.models import Incident
from warroom.intake import holds
from warroom.playbook.schema import Playbook, Rule
from warroom.playbook.terms import most_severe, severity_rank
from warroom.response import service as response
from warroom.rollback import auto as auto_rollback
from warroom.samples import service as samples
from warroom.silences import service as silences
from warroom.silences.models import Matcher
from warroom.storage.bulk import insert_returning_ids

SYSTEM_ACTOR = "warroom"


@dataclass(slots=True, eq=False)
class Pending:
    """A new alert, inserted in bulk at the end of the batch (ORM objects cost too much)."""

    source: str
    fingerprint: str
    name: str
    service: str | None
    severity: str | None
    summary: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    metrics: dict[str, float]
    status: str
    starts_at: datetime
    ends_at: datetime | None
    received_at: datetime
    updated_at: datetime
    integration_id: int | None
    repeat_count: int = 0
    incident_id: str | None = None
    silence_id: int | None = None
    holds: dict[str, str] | None = None
    id: int | None = None

    def values(self) -> dict[str, object]:
        return {f: getattr(self, f) for f in self.__slots__ if f != "id"}


Row = Alert | Pending


@dataclass
class IngestResult:
    alert_ids: list[int] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    silenced: int = 0
    pending: int = 0
    incidents_opened: list[str] = field(default_factory=list)
    incidents_updated: list[str] = field(default_factory=list)
    # The rows behind those ids: the session holds loaded rows only weakly, so without these
    # every later step of the batch would load its incident again.
    rows: dict[str, Incident] = field(default_factory=dict, repr=False)
    # Incidents whose severity this batch raised: paged again once, after the batch.
    raised: set[str] = field(default_factory=set, repr=False)

    def opened(self, incident: Incident) -> None:
        self.incidents_opened.append(incident.id)
        self.rows[incident.id] = incident

    def touched(self, incident: Incident) -> None:
        if incident.id not in self.incidents_updated:
            self.incidents_updated.append(incident.id)
        self.rows[incident.id] = incident

    def row(self, session: Session, incident_id: str) -> Incident | None:
        return self.rows.get(incident_id) or session.get(Incident, incident_id)


def match_labels(alert: AlertCreate | Row) -> dict[str, str]:
    """Labels used by silences and grouping: the alert's labels plus alertname and service."""
    return {**alert.labels, "alertname": alert.name, "service": alert.service or ""}


def group_key(alert: AlertCreate | Row, labels: list[str]) -> str:
    merged = match_labels(alert)
    return "|".join(f"{name}={merged.get(name, '')}" for name in labels)


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


def ingest_parts(
    *, session: Session, parts: list[Part], playbook: Playbook, now: datetime
) -> list[IngestResult]:
    """Ingest several callers' batches in one pass (group commit hands over the batches that
    queued for one transaction): each part is decided in order, as if ingested alone, while
    the lookups, the insert of the new alerts and the samples are shared. One result per
    part. No alert (source, fingerprint) may be in two parts: the caller ingests such
    batches one by one."""
    everything = [a for part in parts for a in part.alerts]
    verdict = Verdicts(playbook, now)
    firing = _firing_by_fingerprint(session, everything)
    in_force = silences.active(session=session, now=now)
    timed = holds.timed_rules(playbook)
    works = [_Work(part) for part in parts]
    for work in works:
        to_group = _take(session, work, firing, in_force, timed, verdict)
        # An alert that fired and resolved within one batch opens nothing.
        firing_rows = [r for r in to_group if r.status == "firing"]
        _group(session, firing_rows, playbook, verdict, work.result)
    _insert_pending([r for work in works for r in work.rows if isinstance(r, Pending)], session)
    # Every observation an alert carries is a sample, so postmortem charts have real data.
    observations = _observations(everything, now)
    samples.record_many(session=session, observations=observations, source="alert")
    session.flush()
    for work in works:
        _follow_up(session, work, playbook, now)
    return [work.result for work in works]


def _take(
    session: Session,
    work: _Work,
    firing: dict[tuple[str, str], Row],
    in_force: list[tuple[int, list[Matcher]]],
    timed: list[Rule],
    verdict: Verdicts,
) -> list[Row]:
    """Decide what each alert of the part is (new, repeat, silenced, pending, resolved);
    the firing ones that still need an incident, in order."""
    now, result, integration_id = verdict.now, work.result, work.part.integration_id
    to_group: list[Row] = []
    queued: set[int] = set()
    for spec in work.part.alerts:
        key = (spec.source, spec.fingerprint)
        row: Row | None = firing.get(key)
        if spec.status == "firing":
            if row is None:
                row = _new_row(spec, now, integration_id)
                firing[key] = row
                result.created += 1
            else:
                _refresh(row, spec, now)
                result.updated += 1
            if timed:
                holds.track(row, timed, now)
            row.silence_id = silences.covering(in_force, match_labels(spec))
            if row.silence_id is not None:
                result.silenced += 1
            elif row.incident_id is None:
                deadline = _pending_until(row, verdict, timed, now) if timed else None
                if deadline is not None:
                    work.waiting[id(row)] = (row, deadline)
                elif id(row) not in queued:
                    queued.add(id(row))
                    to_group.append(row)
            else:
                _touch_incident(session, row, verdict, result)
            if spec.acknowledge:
                work.acks.add(spec.fingerprint)
        else:
            row = _resolve(session, row, spec, now, integration_id, result)
            firing.pop(key, None)
            if row.incident_id:
                work.resolved_in.add(row.incident_id)
        work.rows.append(row)
    return to_group


def _follow_up(session: Session, work: _Work, playbook: Playbook, now: datetime) -> None:
    """Once the part's alerts are stored: pending checks, pages, acknowledgements,
    resolutions, rollbacks and the audit event."""
    result, part = work.result, work.part
    result.alert_ids = [r.id for r in work.rows if r.id is not None]
    for row, deadline in work.waiting.values():
        if row.status == "firing" and row.incident_id is None:
            holds.schedule_check(session, row.id, deadline)
            result.pending += 1
    _page_opened(session, result, playbook, now)
    _page_raised(session, result, playbook, now)
    for row in work.rows:
        if row.fingerprint in work.acks and row.incident_id:
            _acknowledge(session, row.incident_id, part.actor, now, playbook)
    _check_all_resolved(session, work.resolved_in, playbook, now, result)
    _consider_rollbacks(session, result, playbook, now)
    audit.record(
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
    verdict = Verdicts(playbook, now)
    deadline = _pending_until(row, verdict, holds.timed_rules(playbook), now)
    if deadline is not None:
        holds.schedule_check(session, row.id, deadline)
        return
    result = IngestResult(alert_ids=[row.id])
    _group(session, [row], playbook, verdict, result)
    session.flush()
    _page_opened(session, result, playbook, now)
    _consider_rollbacks(session, result, playbook, now)
    audit.record(
        session=session,
        actor=SYSTEM_ACTOR,
        action="alerts.pending_elapsed",
        target=f"alert:{row.id}",
        now=now,
        incident=row.incident_id,
        opened=bool(result.incidents_opened),
    )


def _pending_until(
    row: Row, verdict: Verdicts, timed: list[Rule], now: datetime
) -> datetime | None:
    """When a pending alert should be looked at again; None when it opens an incident now."""
    if not verdict(row).by_default:
        return None
    return pending_until(rules=timed, holds=holds.parse(row.holds), now=now)


def _page_opened(session: Session, result: IngestResult, playbook: Playbook, now: datetime) -> None:
    for incident_id in result.incidents_opened:  # route, page, escalate (same transaction)
        response.on_incident_opened(
            session=session,
            incident=result.rows[incident_id],
            playbook=playbook,
            now=now,
        )


def _consider_rollbacks(
    session: Session, result: IngestResult, playbook: Playbook, now: datetime
) -> None:
    for incident_id in dict.fromkeys(result.incidents_opened + result.incidents_updated):
        incident = result.row(session, incident_id)
        if incident is not None and lifecycle.is_open(incident.status):
            auto_rollback.consider(session=session, incident=incident, playbook=playbook, now=now)


def _insert_pending(pending: list[Pending], session: Session) -> None:
    unique = list({id(p): p for p in pending}.values())
    new_ids = insert_returning_ids(session, Alert, [p.values() for p in unique])
    for p, new_id in zip(unique, new_ids, strict=True):
        p.id = new_id


def _observations(
    alerts: list[AlertCreate], now: datetime
) -> list[tuple[str, datetime, dict[str, float]]]:
    """One sample per service, time and metric: the worst value the batch reported (a storm
    of 100 alerts of one service is one observation, not 100)."""
    worst: dict[tuple[str, datetime], dict[str, float]] = {}
    for a in alerts:
        if not (a.service and a.metrics):
            continue
        at = (a.ends_at or now) if a.status == "resolved" else now
        seen = worst.setdefault((a.service, at), {})
        for name, value in a.metrics.items():
            pick = min if name == "availability" else max
            seen[name] = pick(seen.get(name, value), value)
    return [(service, at, values) for (service, at), values in worst.items()]


def _firing_by_fingerprint(
    session: Session, alerts: list[AlertCreate]
) -> dict[tuple[str, str], Row]:
    by_source: dict[str, set[str]] = defaultdict(set)
    for a in alerts:
        by_source[a.source].add(a.fingerprint)
    found: dict[tuple[str, str], Row] = {}
    for source, fingerprints in by_source.items():
        query = select(Alert).where(
            Alert.source == source,
            Alert.fingerprint.in_(fingerprints),
            Alert.status == "firing",
        )
        for row in session.scalars(query):
            found[(row.source, row.fingerprint)] = row
    return found


def _new_row(spec: AlertCreate, now: datetime, integration_id: int | None) -> Pending:
    return Pending(
        source=spec.source,
        fingerprint=spec.fingerprint,
        name=spec.name,
        service=spec.service,
        severity=spec.severity,
        summary=spec.summary,
        labels=spec.labels,
        annotations=spec.annotations,
        metrics=spec.metrics,
        status=spec.status,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        received_at=now,
        updated_at=now,
        integration_id=integration_id,
    )


def _refresh(row: Row, spec: AlertCreate, now: datetime) -> None:
    row.labels = spec.labels
    row.annotations = spec.annotations
    row.metrics = {**row.metrics, **spec.metrics}
    row.severity = spec.severity or row.severity
    row.summary = spec.summary or row.summary
    row.ends_at = spec.ends_at
    row.updated_at = now
    row.repeat_count += 1


def _resolve(
    session: Session,
    row: Row | None,
    spec: AlertCreate,
    now: datetime,
    integration_id: int | None,
    result: IngestResult,
) -> Row:
    ends = spec.ends_at or now
    if row is not None:
        row.status = "resolved"
        row.ends_at = ends
        row.updated_at = now
        row.metrics = {**row.metrics, **spec.metrics}
        result.updated += 1
        return row
    previous = session.scalars(
        select(Alert)
        .where(Alert.source == spec.source, Alert.fingerprint == spec.fingerprint)
        .order_by(Alert.id.desc())
        .limit(1)
    ).first()
    if previous is not None and previous.status == "resolved":
        # Alertmanager re-sends resolved notifications; they are repeats, not new alerts.
        previous.repeat_count += 1
        previous.updated_at = now
        result.updated += 1
        return previous
    # A resolve for an alert we never saw firing is still kept: nothing is lost.
    new = _new_row(spec, now, integration_id)
    new.status = "resolved"
    new.ends_at = ends
    result.created += 1
    return new


class Verdicts:
    """The verdicts of one batch's alerts. Alerts that report the same observations share
    one (a storm is thousands of alerts with a handful of distinct values); an alert with
    ``for`` holds is classified on its own, since its verdict depends on how long it held."""

    def __init__(self, playbook: Playbook, now: datetime):
        self.policy = playbook.classification
        self.now = now
        self._seen: dict[tuple[object, ...], Verdict] = {}

    def __call__(self, alert: Row) -> Verdict:
        if alert.holds:
            return self._classify(alert, held_for(holds.parse(alert.holds), self.now))
        key = (alert.source, alert.severity, *sorted(alert.metrics.items()))
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._classify(alert, None)
        return found

    def _classify(self, alert: Row, held: dict[str, timedelta] | None) -> Verdict:
        return classify(
            metrics=alert.metrics,
            source=alert.source,
            source_severity=alert.severity,
            policy=self.policy,
            held=held,
        )


def _group(
    session: Session, rows: list[Row], playbook: Playbook, verdict: Verdicts, result: IngestResult
) -> None:
    if not rows:
        return
    now = verdict.now
    by_key: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_key[group_key(row, playbook.grouping.labels)].append(row)
    open_incidents = session.scalars(
        select(Incident)
        .where(
            Incident.group_key.in_(list(by_key)),
            Incident.status.in_(lifecycle.OPEN_STATES),
            Incident.last_alert_at >= now - playbook.grouping.window,
        )
        .order_by(Incident.detected_at)
    ).all()
    existing = {inc.group_key: inc for inc in open_incidents}
    reserved: set[str] = set()
    for key, members in by_key.items():
        incident = existing.get(key)
        if incident is None:
            incident = _open(session, key, members, playbook, verdict, reserved)
            result.opened(incident)
        else:
            if _join(session, incident, members, verdict):
                result.raised.add(incident.id)
            result.touched(incident)


def _join(session: Session, incident: Incident, members: list[Row], verdict: Verdicts) -> bool:
    """Attach alerts to an open incident: one timeline entry per batch, not per alert. True
    when they raised its severity."""
    now = verdict.now
    for row in members:
        row.incident_id = incident.id
    names = ", ".join(sorted({f"{r.name} ({r.source})" for r in members}))
    count = len(members)
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind="alert",
        actor=SYSTEM_ACTOR,
        message=f"{count} alert{'s' if count > 1 else ''} joined the incident: {names}",
        now=now,
        data={"fingerprints": [r.fingerprint for r in members][:100], "count": count},
    )
    worst = min(map(verdict, members), key=lambda v: severity_rank(v.severity))
    raised = _raise_severity(session, incident, worst, now)
    incident.started_at = min(incident.started_at, *(r.starts_at for r in members))
    incident.last_alert_at = now
    incident.updated_at = now
    return raised


def _open(
    session: Session,
    key: str,
    members: list[Row],
    playbook: Playbook,
    verdicts: Verdicts,
    reserved: set[str],
) -> Incident:
    now = verdicts.now
    found = [verdicts(row) for row in members]
    worst = min(range(len(members)), key=lambda i: severity_rank(found[i].severity))
    lead, verdict = members[worst], found[worst]
    incident = Incident(
        id=ids.next_id(session=session, at=now, reserved=reserved),
        title=_title(lead),
        severity=verdict.severity,
        status="triggered",
        service=lead.service,
        group_key=key,
        started_at=min(r.starts_at for r in members),
        detected_at=now,
        last_alert_at=now,
        updated_at=now,
        metrics=dict(lead.metrics),
        labels=_common_labels(members),
    )
    response.route(incident=incident, playbook=playbook, alertname=_first(members).name)
    session.add(incident)
    session.flush()
    for row in members:
        row.incident_id = incident.id
    names = ", ".join(sorted({f"{r.name} ({r.source})" for r in members}))
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind="opened",
        actor=SYSTEM_ACTOR,
        message=f"Incident opened as {verdict.severity} from {names}: {'; '.join(verdict.reasons)}",
        now=now,
        data={"alerts": len(members), "reasons": list(verdict.reasons), "group_key": key},
    )
    incidents.enter_phase(session=session, incident=incident, playbook=playbook, now=now)
    return incident


def _first(members: list[Row]) -> Row:
    """The member with the lowest id: a stored one, else the first new one (new rows get
    their ids in batch order, after every stored row's)."""
    stored = [r for r in members if r.id is not None]
    return min(stored, key=lambda r: r.id or 0) if stored else members[0]


def _title(alert: Row) -> str:
    where = f" on {alert.service}" if alert.service else ""
    summary = f": {alert.summary}" if alert.summary else ""
    return f"{alert.name}{where}{summary}"[:300]


def _common_labels(rows: list[Row]) -> dict[str, str]:
    common = dict(rows[0].labels)
    for row in rows[1:]:
        common = {k: v for k, v in common.items() if row.labels.get(k) == v}
    return common


def _touch_incident(session: Session, row: Row, verdict: Verdicts, result: IngestResult) -> None:
    """A repeat of an alert already in an incident."""
    now = verdict.now
    incident = result.row(session, row.incident_id) if row.incident_id else None
    if incident is None or not lifecycle.is_open(incident.status):
        return
    incident.last_alert_at = now
    if _raise_severity(session, incident, verdict(row), now):
        result.raised.add(incident.id)
    result.touched(incident)


def _page_raised(session: Session, result: IngestResult, playbook: Playbook, now: datetime) -> None:
    """Page again for the incidents whose severity the batch raised (once each, at the
    severity they ended the batch with)."""
    for incident_id in sorted(result.raised - set(result.incidents_opened)):
        incident = result.rows[incident_id]
        response.on_severity_raised(session=session, incident=incident, playbook=playbook, now=now)


def _raise_severity(session: Session, incident: Incident, verdict: Verdict, now: datetime) -> bool:
    """The classifier only ever raises an incident's severity; people may lower it. True
    when it raised it."""
    if most_severe(incident.severity, verdict.severity) == incident.severity:
        return False
    old, incident.severity = incident.severity, verdict.severity
    incident.updated_at = now
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind="severity",
        actor=SYSTEM_ACTOR,
        message=f"Severity raised {old} → {verdict.severity}: {'; '.join(verdict.reasons)}",
        now=now,
        data={"from": old, "to": verdict.severity, "reasons": list(verdict.reasons)},
    )
    return True


def _acknowledge(
    session: Session, incident_id: str, actor: str, now: datetime, playbook: Playbook
) -> None:
    incident = session.get(Incident, incident_id)
    if incident is not None and incident.status == "triggered":
        incidents.change_status(
            session=session,
            incident_id=incident_id,
            status="acknowledged",
            actor=actor,
            now=now,
            message="acknowledged at the source",
            playbook=playbook,
        )


def _check_all_resolved(
    session: Session,
    incident_ids: set[str],
    playbook: Playbook,
    now: datetime,
    result: IngestResult,
) -> None:
    for incident_id in sorted(incident_ids):
        still_firing = session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.incident_id == incident_id, Alert.status == "firing")
        )
        incident = session.get(Incident, incident_id)
        if still_firing or incident is None or not lifecycle.is_open(incident.status):
            continue
        incidents.add_event(
            session=session,
            incident_id=incident_id,
            kind="alerts_resolved",
            actor=SYSTEM_ACTOR,
            message="All alerts of this incident are resolved",
            now=now,
        )
        if playbook.auto_resolve:
            incidents.change_status(
                session=session,
                incident_id=incident_id,
                status="resolved",
                actor=SYSTEM_ACTOR,
                now=now,
                message="all alerts resolved (playbook auto_resolve)",
                playbook=playbook,
            )
        if incident_id not in result.incidents_updated:
            result.incidents_updated.append(incident_id)
