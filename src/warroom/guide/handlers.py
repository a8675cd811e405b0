"""Jobs of guided response: on opening, find the runbook and enqueue one job per step; run
one step and record it.

A step's result, timeline entry and audit event commit with its job, so a worker that dies
mid-step leaves nothing behind and the retried job records the step once.
"""

from __future__ import annotations

from typing import Any

from warroom.guide import diagnostics, service
from warroom.incidents.models import Incident
from warroom.jobs import service as jobs
from warroom.jobs.context import JobContext
from warroom.playbook.runbook import available_steps, find

#: A step may use this share of the job's lease, so that no other worker takes the job over
#: while the step is still running.
LEASE_SHARE = 0.8


def on_open(ctx: JobContext, payload: dict[str, Any]) -> None:
    incident_id = payload["incident_id"]
    with ctx.read() as session:
        if session.get(Incident, incident_id) is None:
            return
        _, _, runbook = service.runbook_for(
            session=session, incident_id=incident_id, runbooks=ctx.runbooks
        )
    if runbook is None:
        return
    for step in runbook.steps:
        jobs.enqueue(
            session=ctx.session,
            kind=service.STEP,
            payload={"incident_id": incident_id, "runbook": runbook.name, "step": step.name},
            due_at=ctx.now,
            key=f"guide:{incident_id}:open:{step.name}",
        )


def run_step(ctx: JobContext, payload: dict[str, Any]) -> None:
    policy = ctx.playbook.runbooks
    incident_id, name = payload["incident_id"], payload["step"]
    runbook = find(ctx.runbooks, payload["runbook"])
    step = available_steps(runbook, policy).get(name)
    with ctx.read() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return
        labels = service.incident_labels(session=session, incident=incident)
    if step is None:  # the playbook changed between opening and now
        execution = diagnostics.Execution(
            step=name,
            kind="unknown",
            status="error",
            summary="step is no longer declared in the runbook or playbook",
            output="",
            truncated=False,
            duration_seconds=0.0,
        )
    else:
        execution = diagnostics.execute(
            step,
            service.target(
                incident=incident,
                labels=labels,
                policy=policy,
                step=step,
                now=ctx.now,
                db=ctx.db,
                max_timeout=ctx.settings.job_lease * LEASE_SHARE,
            ),
        )
    service.record(
        session=ctx.session,
        incident_id=incident_id,
        runbook=runbook.name if runbook else None,
        executions=[execution],
        trigger="open",
        actor=service.ACTOR,
        now=ctx.now,
    )
