"""The evidence package (Protocol 25's tree), written to a directory.

DIR/
  playbooks/incident-playbook.md, p0-response-procedure.md, p1-response-procedure.md
  scripts/rollback-config.json     rollback policy and each service's backend config
  postmortems/postmortem-template.md, <incident>-postmortem.md, <incident>-chart.png
  logs/incident-log.json, logs/rollback-history.json
  response-metrics.json
  schemas/*.schema.json            the JSON Schema every JSON file above follows
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.deploy.models import ModelService
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, TimelineEvent
from warroom.playbook.durations import format_duration
from warroom.playbook.schema import Playbook
from warroom.playbook.secrets import mask
from warroom.postmortem import render
from warroom.postmortem import service as postmortems
from warroom.postmortem.models import Postmortem
from warroom.reports import service as reports

SCHEMAS = Path(__file__).parent / "schemas"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def incident_log(*, session: Session, incidents: list[Incident], now: datetime) -> dict[str, Any]:
    """Incidents with their timelines (schema: incident-log)."""
    pms = {
        p.incident_id: p
        for p in session.scalars(
            select(Postmortem).where(Postmortem.incident_id.in_([i.id for i in incidents]))
        )
    }
    out = []
    for i in incidents:
        events = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == i.id)
            .order_by(TimelineEvent.at, TimelineEvent.id)
        )
        pm = pms.get(i.id)
        out.append(
            {
                "id": i.id,
                "title": i.title,
                "severity": i.severity,
                "status": i.status,
                "service": i.service,
                "team": i.team,
                **{
                    k: _iso(getattr(i, k))
                    for k in (
                        "started_at",
                        "detected_at",
                        "acknowledged_at",
                        "mitigated_at",
                        "resolved_at",
                        "closed_at",
                    )
                },
                "metrics": i.metrics,
                "root_cause_category": pm.root_cause_category if pm else None,
                "postmortem_status": pm.status if pm else None,
                "timeline": [
                    {
                        "at": e.at.isoformat(),
                        "kind": e.kind,
                        "actor": e.actor,
                        "message": e.message,
                        "data": e.data,
                    }
                    for e in events
                ],
            }
        )
    return {"generated_at": now.isoformat(), "incidents": out}


def rollback_history(
    *, session: Session, incidents: list[Incident], now: datetime
) -> dict[str, Any]:
    """Concluded rollbacks from the incidents' timelines (schema: rollback-history)."""
    keys = ("rollback_id", "service", "from_version", "to_version", "state", "trigger")
    rows = []
    for e in reports.rollback_events(session=session, incident_ids=[i.id for i in incidents]):
        d = e.data
        rows.append(
            {
                "incident_id": e.incident_id,
                **{k: d.get(k) for k in keys},
                "started_at": d.get("started_at"),
                "finished_at": d.get("finished_at"),
                "duration_seconds": d.get("duration_seconds"),
                "snapshot": d.get("snapshot") or {},
                "verification": d.get("verification") or {},
            }
        )
    return {"generated_at": now.isoformat(), "rollbacks": rows}


def playbook_markdown(playbook: Playbook) -> str:
    """The active playbook as a readable document."""
    lines = [f"# Incident Playbook: {playbook.name}", "", "## Severity levels", ""]
    lines += ["| Level | Name | Response time | Resolution target | Escalation | Communication |"]
    lines += ["|---|---|---|---|---|---|"]
    for sev, lv in playbook.severity_levels.items():
        target = format_duration(lv.resolution_target) if lv.resolution_target else "—"
        lines.append(
            f"| {sev} | {lv.name} | {format_duration(lv.response_time)} | {target} | "
            f"{render.cell(lv.escalation or '—')} | {render.cell(lv.communication or '—')} |"
        )
    lines += ["", "## Classification rules (first match wins)", ""]
    for rule in playbook.classification.rules:
        conds = f" {rule.match} of: " + ", ".join(
            f"`{c.metric} {c.op} {c.value:g}`" for c in rule.conditions
        )
        lines.append(f"- **{rule.name}** → {rule.severity}:{conds}")
    lines.append(f"- otherwise → {playbook.classification.default_severity}")
    rb = playbook.rollback
    lines += [
        "",
        "## Rollback",
        "",
        f"- Target: the newest earlier version stable for {format_duration(rb.stable_after)}",
        f"- Timeout: {format_duration(rb.timeout)}; environment: {rb.environment}",
        "- Verification: "
        + ", ".join(f"`{c.metric} {c.op} {c.value:g}`" for c in rb.verification.criteria),
        f"- Automatic by severity: {rb.auto.by_severity}",
        "",
        "## Postmortems",
        "",
    ]
    for sev in playbook.severity_levels:
        due = playbook.postmortem.due_after.get(sev)
        tmpl = playbook.postmortem.template_by_severity.get(sev)
        when = f"due {format_duration(due)} after resolution" if due else "no due date"
        lines.append(f"- {sev}: {tmpl} template, {when}")
    return "\n".join(lines) + "\n"


def procedure_markdown(playbook: Playbook, severity: str) -> str:
    """The response procedure of one severity, from the playbook."""
    lv = playbook.severity_levels[severity]  # type: ignore[index]
    mode = playbook.rollback.auto.by_severity.get(severity, "never")  # type: ignore[call-overload]
    steps = [
        f"Acknowledge within {format_duration(lv.response_time)} ({lv.response_time_text or '-'})",
        f"Escalation: {lv.escalation or 'none'}",
        f"Communication: {lv.communication or 'none'}"
        + (f", status update every {format_duration(lv.update_every)}" if lv.update_every else ""),
        f"Automatic rollback: {mode} (when "
        + " or ".join(f"{c.metric} {c.op} {c.value:g}" for c in playbook.rollback.auto.conditions)
        + ")",
        "Resolve"
        + (f" within {format_duration(lv.resolution_target)}" if lv.resolution_target else ""),
    ]
    return (
        f"# {severity} response procedure: {lv.name}\n\n{lv.description}\n\n"
        + "\n".join(f"{n}. {s}" for n, s in enumerate(steps, 1))
        + "\n\nExamples:\n"
        + "".join(f"- {e}\n" for e in lv.examples)
    )


def export(
    *,
    session: Session,
    playbook: Playbook,
    directory: Path,
    now: datetime,
    incident_id: str | None = None,
) -> list[Path]:
    """Write the package; returns every file written."""
    if incident_id is not None:
        chosen = [incidents.get(session=session, incident_id=incident_id)]
    else:
        chosen = reports.incidents_in(session=session, since=None, until=None)
    for sub in ("playbooks", "scripts", "postmortems", "logs", "schemas"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    written: dict[Path, str | bytes | dict[str, Any]] = {
        directory / "playbooks/incident-playbook.md": playbook_markdown(playbook),
        directory / "playbooks/p0-response-procedure.md": procedure_markdown(playbook, "P0"),
        directory / "playbooks/p1-response-procedure.md": procedure_markdown(playbook, "P1"),
        directory / "scripts/rollback-config.json": _rollback_config(session, playbook),
        directory / "postmortems/postmortem-template.md": (
            render.BUILTIN / "full.md.j2"
        ).read_text(),
        directory / "logs/incident-log.json": incident_log(
            session=session, incidents=chosen, now=now
        ),
        directory / "logs/rollback-history.json": rollback_history(
            session=session, incidents=chosen, now=now
        ),
        directory / "response-metrics.json": reports.response_report(
            session=session,
            playbook=playbook,
            now=now,
            incident_ids=[i.id for i in chosen] if incident_id else None,
        ),
    }
    for pm in session.scalars(
        select(Postmortem).where(Postmortem.incident_id.in_([i.id for i in chosen]))
    ):
        folder = directory / "postmortems"
        written[folder / f"{pm.incident_id}-postmortem.md"] = pm.markdown
        written[folder / postmortems.chart_name(pm.incident_id)] = postmortems.chart_png(
            session=session, incident_id=pm.incident_id, playbook=playbook, now=now
        )
    for path, content in written.items():
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content)
        else:
            _write_json(path, content)
    for schema in sorted(SCHEMAS.glob("*.schema.json")):
        shutil.copyfile(schema, directory / "schemas" / schema.name)
        written[directory / "schemas" / schema.name] = ""
    return sorted(written)


def _rollback_config(session: Session, playbook: Playbook) -> dict[str, Any]:
    services = session.scalars(select(ModelService).order_by(ModelService.name))
    return {
        "rollback_policy": playbook.rollback.model_dump(mode="json"),
        "services": [
            {"name": s.name, "backend": s.backend, "backend_config": mask(s.backend_config)}
            for s in services
        ],
    }
