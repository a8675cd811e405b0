"""Guided response: link an incident to its runbook, run its diagnostics, record the results.

When an incident opens, ``schedule`` enqueues one durable job in intake's transaction; the
worker then links the runbook and enqueues one job per diagnostic step (``handlers``). A
responder runs steps on demand with ``diagnose``. Either way, running a step holds no
transaction (it talks to the outside world within its timeout), and its result, timeline
entry and audit event are then written together.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.audit import service as audit
from warroom.errors import DiagnosticError, NotFound
from warroom.guide import diagnostics
from warroom.guide.diagnostics.base import Target, expand_env
from warroom.guide.models import CauseRead, DiagnosticResult, RunbookDetail, StepRead
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.jobs import service as jobs
from warroom.playbook.guide import RunbookPolicy, Step
from warroom.playbook.runbook import Runbook, available_steps, match
from warroom.storage.engine import Database

ACTOR = "warroom:guide"
OPEN = "guide.open"
STEP = "guide.step"
MAX_PARALLEL = 8


def schedule(*, session: Session, incident: Incident, policy: RunbookPolicy) -> None:
    """Enqueue the on-open diagnostics job in the caller's (intake's) transaction."""
    if policy.run_on_open:
        jobs.enqueue_later(
            session=session,
            kind=OPEN,
            payload={"incident_id": incident.id},
            due_at=incident.detected_at,
            key=f"guide:{incident.id}:open",
        )


def incident_labels(*, session: Session, incident: Incident) -> dict[str, str]:
    """What runbooks match on: the incident's labels, its first alert's name, its service."""
    name = session.scalar(
        select(Alert.name).where(Alert.incident_id == incident.id).order_by(Alert.id).limit(1)
    )
    return {
        **incident.labels,
        "alertname": name or incident.labels.get("alertname", ""),
        "service": incident.service or "",
        "severity": incident.severity,
    }


def runbook_for(
    *, session: Session, incident_id: str, runbooks: Sequence[Runbook]
) -> tuple[Incident, dict[str, str], Runbook | None]:
    """The incident, its labels and the runbook that applies to it (None: none does)."""
    incident = incidents.get(session=session, incident_id=incident_id)
    labels = incident_labels(session=session, incident=incident)
    return incident, labels, match(runbooks, labels)


def select_steps(
    runbook: Runbook | None, policy: RunbookPolicy, names: Sequence[str], incident_id: str
) -> list[Step]:
    """The named steps (every runbook step when none is named); NotFound names the choices."""
    if not names:
        return list(runbook.steps) if runbook else []
    steps = available_steps(runbook, policy)
    unknown = [n for n in names if n not in steps]
    if unknown:
        choices = ", ".join(steps) or "none: the runbook and the playbook declare no step"
        raise NotFound(
            f"no step {', '.join(map(repr, unknown))} is declared for {incident_id}; "
            f"declared: {choices}"
        )
    return [steps[n] for n in dict.fromkeys(names)]


def secrets(policy: RunbookPolicy) -> tuple[str, ...]:
    """The passwords of the playbook's databases, masked wherever output mentions them."""
    found = []
    for url in policy.databases.values():
        try:
            password = make_url(expand_env(url, "database")).password
        except (DiagnosticError, ValueError):
            continue
        if password:
            found.append(str(password))
    return tuple(found)


def target(
    *,
    incident: Incident,
    labels: dict[str, str],
    policy: RunbookPolicy,
    step: Step,
    now: datetime,
    db: Database,
    max_timeout: float | None = None,
) -> Target:
    """What ``step`` runs against, with its effective timeout and output cap."""
    timeout = (step.timeout or policy.timeout).total_seconds()
    return Target(
        incident_id=incident.id,
        service=incident.service,
        labels=labels,
        severity=incident.severity,
        policy=policy,
        now=now,
        timeout=min(timeout, max_timeout) if max_timeout else timeout,
        max_output_bytes=step.max_output_bytes or policy.max_output_bytes,
        db=db,
        secrets=secrets(policy),
    )


def run_all(targets: Sequence[tuple[Step, Target]]) -> list[diagnostics.Execution]:
    """Run steps side by side: the slowest one's timeout bounds the wait, not their sum."""
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=min(len(targets), MAX_PARALLEL)) as pool:
        return list(pool.map(lambda pair: diagnostics.execute(*pair), targets))


def record(
    *,
    session: Session,
    incident_id: str,
    runbook: str | None,
    executions: Sequence[diagnostics.Execution],
    trigger: str,
    actor: str,
    now: datetime,
) -> list[DiagnosticResult]:
    """Store results, one timeline entry each, and one audit event."""
    rows = []
    for ex in executions:
        row = DiagnosticResult(
            incident_id=incident_id,
            runbook=runbook,
            step=ex.step,
            kind=ex.kind,
            status=ex.status,
            summary=ex.summary,
            output=ex.output,
            truncated=ex.truncated,
            duration_seconds=ex.duration_seconds,
            trigger=trigger,
            actor=actor,
            at=now,
        )
        session.add(row)
        session.flush()
        rows.append(row)
        incidents.add_event(
            session=session,
            incident_id=incident_id,
            kind="diagnostic",
            actor=actor,
            message=f"Diagnostic {ex.step} ({ex.kind}): {ex.status} — {ex.summary}",
            now=now,
            data={"result_id": row.id, "runbook": runbook, "trigger": trigger, **asdict(ex)},
        )
    audit.record(
        session=session,
        actor=actor,
        action="incident.diagnose",
        target=incident_id,
        now=now,
        trigger=trigger,
        runbook=runbook,
        results={ex.step: ex.status for ex in executions},
    )
    return rows


def diagnose(
    *,
    db: Database,
    policy: RunbookPolicy,
    runbooks: Sequence[Runbook],
    incident_id: str,
    names: Sequence[str],
    actor: str,
    now: datetime,
) -> list[DiagnosticResult]:
    """Run declared steps now (every runbook step when none is named) and record them."""
    with db.read() as session:
        incident, labels, runbook = runbook_for(
            session=session, incident_id=incident_id, runbooks=runbooks
        )
        steps = select_steps(runbook, policy, names, incident_id)
    if not steps:
        raise NotFound(
            f"{incident_id} has no runbook step to run; name a step declared in the playbook"
        )
    pairs = [
        (s, target(incident=incident, labels=labels, policy=policy, step=s, now=now, db=db))
        for s in steps
    ]
    executions = run_all(pairs)
    with db.session() as session:
        incidents.get(session=session, incident_id=incident_id)
        return record(
            session=session,
            incident_id=incident_id,
            runbook=runbook.name if runbook else None,
            executions=executions,
            trigger="manual",
            actor=actor,
            now=now,
        )


def results(*, session: Session, incident_id: str) -> list[DiagnosticResult]:
    """The incident's diagnostic results, oldest first."""
    incidents.get(session=session, incident_id=incident_id)
    return list(
        session.scalars(
            select(DiagnosticResult)
            .where(DiagnosticResult.incident_id == incident_id)
            .order_by(DiagnosticResult.id)
        )
    )


def describe(runbook: Runbook, base_url: str) -> RunbookDetail:
    """A runbook as the API shows it; its url is the team's own page, or warroom's."""
    meta = runbook.meta
    return RunbookDetail(
        name=runbook.name,
        title=meta.title,
        url=meta.url or f"{base_url}/api/v1/runbooks/{runbook.name}",
        dashboard=meta.dashboard,
        summary=meta.summary,
        alerts=meta.alerts,
        labels=meta.labels,
        steps=steps_read(runbook.steps),
        causes=[CauseRead(cause=c.cause, action=c.action) for c in meta.causes],
        markdown=runbook.body,
    )


def steps_read(steps: Sequence[Step]) -> list[StepRead]:
    return [StepRead(name=s.name, kind=s.kind, title=s.title) for s in steps]
