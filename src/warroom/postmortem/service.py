"""Postmortems: draft from the incident record, edit with versions, review states, export."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.models import AlertRead
from warroom.audit import service as audit
from warroom.errors import Conflict, InvalidInput, NotFound
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, IncidentRead, TimelineEventRead
from warroom.playbook.schema import Playbook
from warroom.postmortem import charts, deadlines, facts, render
from warroom.postmortem.models import ActionItem, Postmortem, PostmortemRevision, PostmortemUpdate
from warroom.samples.models import MetricSample

CHART_NAMES = ("error_rate", "latency_p95_ms")
SAMPLE_NAMES = (*CHART_NAMES, "requests", "errors", "requests_total", "requests_failed")
ACTIONS_BLOCK = re.compile(r"<!-- warroom:actions -->\n.*?<!-- /warroom:actions -->", re.S)
RELATED_WINDOW = timedelta(days=90)


def chart_name(incident_id: str) -> str:
    return f"{incident_id}-chart.png"


def _window(incident: Incident, now: datetime) -> tuple[datetime, datetime]:
    return incident.started_at, incident.resolved_at or now


def load_samples(
    *, session: Session, service: str | None, start: datetime, end: datetime
) -> list[facts.Sample]:
    """The service's samples a postmortem uses, in [start, end]."""
    if service is None:
        return []
    rows = session.scalars(
        select(MetricSample)
        .where(
            MetricSample.service == service,
            MetricSample.at >= start,
            MetricSample.at <= end,
            MetricSample.name.in_(SAMPLE_NAMES),
        )
        .order_by(MetricSample.at, MetricSample.id)
    )
    return [facts.Sample(r.at, r.name, r.value, r.version, r.source) for r in rows]


def gather(*, session: Session, incident_id: str, playbook: Playbook, now: datetime) -> facts.Facts:
    """The facts of one incident, from its record."""
    incident, alerts = incidents.get_detail(session=session, incident_id=incident_id)
    start, end = _window(incident, now)
    return facts.gather(
        incident=IncidentRead.model_validate(incident),
        level=playbook.severity_levels[incident.severity],  # type: ignore[index]
        timeline=[TimelineEventRead.model_validate(e) for e in incident.timeline],
        alerts=[AlertRead.model_validate(a) for a in alerts],
        samples=load_samples(session=session, service=incident.service, start=start, end=end),
    )


def chart_png(*, session: Session, incident_id: str, playbook: Playbook, now: datetime) -> bytes:
    """The incident's chart: error rate and latency with its milestones."""
    found = gather(session=session, incident_id=incident_id, playbook=playbook, now=now)
    began, ended = found.incident.started_at, found.incident.resolved_at or now
    start, end = charts.window(began, ended)  # samples a little before and after, if any
    return charts.render_png(
        title=f"{incident_id} — {found.incident.service or 'no service'} (UTC)",
        samples=load_samples(session=session, service=found.incident.service, start=start, end=end),
        milestones=found.milestones,
        start=began,
        end=ended,
    )


def _related(session: Session, incident: IncidentRead) -> list[Incident]:
    if incident.service is None:
        return []
    return list(
        session.scalars(
            select(Incident)
            .where(
                Incident.service == incident.service,
                Incident.id != incident.id,
                Incident.detected_at >= incident.detected_at - RELATED_WINDOW,
                Incident.detected_at <= incident.detected_at,
            )
            .order_by(Incident.detected_at.desc())
            .limit(10)
        )
    )


def actions_for(*, session: Session, incident_id: str) -> list[ActionItem]:
    """The incident's action items, oldest first."""
    return list(
        session.scalars(
            select(ActionItem).where(ActionItem.incident_id == incident_id).order_by(ActionItem.id)
        )
    )


def templates_dir(playbook: Playbook, playbook_path: Path | None) -> Path | None:
    """The team templates folder, relative paths taken from the playbook file's folder."""
    configured = playbook.postmortem.templates_dir
    if configured is None:
        return None
    path = Path(configured).expanduser()
    if not path.is_absolute() and playbook_path is not None:
        path = playbook_path.parent / path
    return path


def draft(
    *,
    session: Session,
    incident_id: str,
    playbook: Playbook,
    now: datetime,
    template: str | None = None,
    playbook_path: Path | None = None,
    root_cause_category: str | None = None,
) -> tuple[str, str]:
    """(template name, Markdown) of a fresh draft; nothing is stored."""
    found = gather(session=session, incident_id=incident_id, playbook=playbook, now=now)
    name = template or playbook.postmortem.template_by_severity[found.incident.severity]  # type: ignore[index]
    text = render.render_markdown(
        facts=found,
        template=name,
        actions=actions_for(session=session, incident_id=incident_id),
        related=_related(session, found.incident),
        chart=chart_name(incident_id),
        generated_at=now,
        root_cause_category=root_cause_category,
        templates_dir=templates_dir(playbook, playbook_path),
    )
    return name, text


def get(*, session: Session, incident_id: str) -> Postmortem:
    """The incident's postmortem, or NotFound."""
    row = session.scalars(select(Postmortem).where(Postmortem.incident_id == incident_id)).first()
    if row is None:
        raise NotFound(
            f"incident {incident_id} has no postmortem: create one with "
            f"`warroom postmortem create {incident_id}`"
        )
    return row


def create(
    *,
    session: Session,
    incident_id: str,
    playbook: Playbook,
    actor: str,
    now: datetime,
    template: str | None = None,
    playbook_path: Path | None = None,
) -> Postmortem:
    """Draft and store the incident's postmortem (Conflict if it already has one)."""
    incident = incidents.get(session=session, incident_id=incident_id, for_update=True)
    if session.scalars(select(Postmortem.id).where(Postmortem.incident_id == incident_id)).first():
        raise Conflict(f"incident {incident_id} already has a postmortem: edit it instead")
    name, text = draft(
        session=session,
        incident_id=incident_id,
        playbook=playbook,
        now=now,
        template=template,
        playbook_path=playbook_path,
    )
    row = Postmortem(
        incident_id=incident_id,
        status="draft",
        template=name,
        markdown=text,
        version=1,
        due_at=deadlines.postmortem_due(
            resolved_at=incident.resolved_at, severity=incident.severity, policy=playbook.postmortem
        ),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    session.add(
        PostmortemRevision(
            postmortem_id=row.id, version=1, markdown=text, actor=actor, at=now, note="draft"
        )
    )
    incidents.add_event(
        session=session,
        incident_id=incident_id,
        kind="postmortem",
        actor=actor,
        message=f"Postmortem drafted ({name} template)",
        now=now,
        data={"postmortem_id": row.id, "version": 1, "status": "draft"},
    )
    audit.record(
        session=session,
        actor=actor,
        action="postmortem.create",
        target=incident_id,
        now=now,
        template=name,
    )
    return row


def _save_text(
    session: Session, row: Postmortem, text: str, actor: str, now: datetime, note: str | None
) -> None:
    row.version += 1
    row.markdown = text
    session.add(
        PostmortemRevision(
            postmortem_id=row.id, version=row.version, markdown=text, actor=actor, at=now, note=note
        )
    )


def update(
    *,
    session: Session,
    incident_id: str,
    changes: PostmortemUpdate,
    playbook: Playbook,
    actor: str,
    now: datetime,
) -> Postmortem:
    """Edit the text (a new version), the review status or the root-cause category."""
    row = get(session=session, incident_id=incident_id)
    if changes.base_version is not None and changes.base_version != row.version:
        raise Conflict(
            f"postmortem of {incident_id} is at version {row.version}, the edit started from "
            f"{changes.base_version}: reload it and edit again"
        )
    done: dict[str, Any] = {}
    if changes.markdown is not None and changes.markdown != row.markdown:
        _save_text(session, row, changes.markdown, actor, now, changes.note)
        done["version"] = row.version
    if changes.root_cause_category is not None:
        row.root_cause_category = changes.root_cause_category.strip().lower()
        done["root_cause_category"] = row.root_cause_category
    if changes.status is not None and changes.status != row.status:
        done["status"] = {"from": row.status, "to": changes.status}
        row.status = changes.status
        if changes.status == "published" and row.published_at is None:
            row.published_at = now
    if not done:
        return row
    incident = incidents.get(session=session, incident_id=incident_id)
    row.due_at = deadlines.postmortem_due(
        resolved_at=incident.resolved_at, severity=incident.severity, policy=playbook.postmortem
    )
    row.updated_at = now
    incidents.add_event(
        session=session,
        incident_id=incident_id,
        kind="postmortem",
        actor=actor,
        message="Postmortem " + ", ".join(_describe(k, v) for k, v in done.items()),
        now=now,
        data={"postmortem_id": row.id, **done},
    )
    audit.record(
        session=session,
        actor=actor,
        action="postmortem.update",
        target=incident_id,
        now=now,
        **done,
    )
    return row


def _describe(key: str, value: Any) -> str:
    if key == "status":
        return f"{value['from']} → {value['to']}"
    if key == "version":
        return f"edited (version {value})"
    return f"root cause category {value}"


def refresh_actions(*, session: Session, incident_id: str, actor: str, now: datetime) -> None:
    """Re-render the action table inside the stored postmortem (a new version)."""
    row = session.scalars(select(Postmortem).where(Postmortem.incident_id == incident_id)).first()
    if row is None:
        return
    match = ACTIONS_BLOCK.search(row.markdown)
    if match is None:  # the team removed the markers: their text wins
        return
    block = render.action_block(
        actions=actions_for(session=session, incident_id=incident_id),
        incident_id=incident_id,
        priority_first="| Priority | Action |" in match.group(0),
    )
    text = row.markdown[: match.start()] + block + row.markdown[match.end() :]
    if text != row.markdown:
        _save_text(session, row, text, actor, now, "action items changed")
        row.updated_at = now


def revisions(*, session: Session, incident_id: str) -> list[PostmortemRevision]:
    """Every stored version, oldest first."""
    row = get(session=session, incident_id=incident_id)
    return list(
        session.scalars(
            select(PostmortemRevision)
            .where(PostmortemRevision.postmortem_id == row.id)
            .order_by(PostmortemRevision.version)
        )
    )


def revision(*, session: Session, incident_id: str, version: int) -> PostmortemRevision:
    """One stored version, or NotFound."""
    for rev in revisions(session=session, incident_id=incident_id):
        if rev.version == version:
            return rev
    raise NotFound(f"postmortem of {incident_id} has no version {version}")


def list_postmortems(*, session: Session, status: str | None = None) -> list[Postmortem]:
    """Postmortems, newest first."""
    query = select(Postmortem)
    if status is not None:
        if status not in ("draft", "in_review", "published"):
            raise InvalidInput(f"unknown postmortem status {status!r}")
        query = query.where(Postmortem.status == status)
    return list(session.scalars(query.order_by(Postmortem.created_at.desc())))
