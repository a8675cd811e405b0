"""What the release runner does for each move of the state machine: route traffic, start
and stop the shadow phase, promote (with the new version's baseline), abort (through the
rollback engine, with an incident carrying the analysis)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from warroom.alerts.models import AlertCreate
from warroom.chat import service as chat
from warroom.deploy import registry
from warroom.deploy.backends.base import RollbackPlan
from warroom.deploy.backends.registry import backend_for
from warroom.detect import baselines
from warroom.errors import Conflict, WarroomError
from warroom.intake.batch import IntakeEnv, ingest_batch
from warroom.releases import analysis, machine
from warroom.releases import service as releases
from warroom.releases.models import Release
from warroom.releases.traffic import Traffic
from warroom.rollback import service as rollbacks
from warroom.runners.release_figures import alert_metrics, candidate_share, observe, stamp
from warroom.runners.rollback import RollbackRunner

log = logging.getLogger(__name__)

#: How many analysis windows back a one-switch release may take the stable version's figures
#: from, when the last window before the switch holds too few requests.
BEFORE_WINDOWS = 20


class Actions:
    def __init__(
        self, env: IntakeEnv, traffic: Traffic | None, runner: RollbackRunner, *, actor: str
    ):
        self.env, self.traffic, self.runner, self.actor = env, traffic, runner, actor

    def record_judgement(self, row: Release, judged: analysis.Judgement, now: datetime) -> None:
        """Keep the stage's latest judgement and its figures on the release (shown live)."""
        with self.env.db.session(durable=False) as session:
            found = releases.get(session=session, release_id=row.id)
            found.judgement = stamp(row, judged, now)
        row.judgement = stamp(row, judged, now)

    def apply(
        self, row: Release, move: machine.Move, judged: analysis.Judgement | None, now: datetime
    ) -> str:
        if move.kind == "wait":
            return row.state
        if move.kind == "abort":
            return self.abort(row, judged, by=None, now=now, why=move.reason)
        if move.kind == "shadow":
            self._transition(
                row,
                "shadow",
                -1,
                judged,
                now,
                f"shadow phase: {row.shadow_share:.0%} of requests mirrored to the candidate",
            )
        elif move.kind == "await_approval":
            self._transition(
                row,
                "awaiting_approval",
                move.step,
                judged,
                now,
                f"waiting for approval before {machine.weight_at(tuple(row.steps), move.step):g}%"
                f" ({move.reason})",
            )
        elif move.kind == "step":
            weight = machine.weight_at(tuple(row.steps), move.step)
            self._route(row, weight, now)
            self._transition(
                row,
                "canary",
                move.step,
                judged,
                now,
                f"canary step {move.step + 1}: {weight:g}% to {row.version}",
            )
        elif move.kind == "promote":
            self._promote(row, judged, now)
        if self.traffic is not None and row.backend == "gateway":
            self.traffic.refresh(row.service)  # the shadow phase starts or ends at once
        return self._state(row.id)

    def _state(self, release_id: int) -> str:
        with self.env.db.read() as session:
            return releases.get(session=session, release_id=release_id).state

    def _transition(
        self,
        row: Release,
        state: str,
        step: int,
        judged: analysis.Judgement | None,
        now: datetime,
        message: str,
        **details: Any,
    ) -> None:
        with self.env.db.session() as session:
            found = releases.get(session=session, release_id=row.id)
            if judged is not None:
                found.judgement = stamp(found, judged, now)
            self._chat_gate(session, found, state, step, now)
            releases.transition(
                session=session,
                row=found,
                state=state,
                step=step,
                actor=self.actor,
                now=now,
                message=f"Release {row.id} of {row.service} {row.version}: {message}",
                **details,
            )

    def _chat_gate(
        self, session: Session, row: Release, state: str, step: int, now: datetime
    ) -> None:
        """Post an approval gate to chat; show how a gate left was decided."""
        if self.env.playbook.chat is None:
            return
        if state == "awaiting_approval":
            chat.release_gate(session=session, release_id=row.id, step=step, now=now)
        elif row.state == "awaiting_approval":
            outcome = "Approved" if state in ("canary", "promoted") else state.capitalize()
            chat.release_gate_passed(
                session=session,
                release_id=row.id,
                step=row.step,
                outcome=f"{outcome} (release now {state})",
                now=now,
            )

    def _route(self, row: Release, weight: float, now: datetime) -> None:
        """Give the candidate ``weight`` % and the stable version the rest."""
        assert row.stable_version is not None
        weights = {row.version: weight}
        if weight < 100:
            weights[row.stable_version] = 100 - weight
        if row.backend != "gateway":
            self._before(row, now)
            self._switch(row, row.stable_version, row.version)
        with self.env.db.session() as session:
            registry.apply_weights(
                session=session,
                service=row.service,
                weights=weights,
                actor=self.actor,
                now=now,
                kind="release",
                version=row.version,
                details={"release_id": row.id},
            )
        self.env.routing_changed(row.service, weights)

    def _before(self, row: Release, now: datetime) -> None:
        """The previous version's figures over one analysis window before the switch; over up
        to ``BEFORE_WINDOWS`` windows when the last one holds fewer requests than the
        analysis needs (a quiet service, a slow minute). These figures are the only stable
        side a one-switch release is judged against; with too few even then, the new
        version's errors are judged against an error-free version (``analysis.switched``)."""
        assert row.stable_version is not None
        window = timedelta(seconds=row.interval_seconds)
        before = observe(self.env, row.service, row.stable_version, now - window, now)
        if before.requests < self.env.playbook.release.min_requests:
            since = now - BEFORE_WINDOWS * window
            before = observe(self.env, row.service, row.stable_version, since, now)
        entry = {
            "stage": "before",
            "step": -1,
            "verdict": "pass",
            "summary": f"{row.stable_version} before the switch: {before.requests:g} requests",
            "requests": before.requests,
            "values": before.values,
            "checks": [],
            "at": now.isoformat(),
        }
        with self.env.db.session() as session:
            found = releases.get(session=session, release_id=row.id)
            found.judgements = [*found.judgements, entry]
        row.judgements = [*row.judgements, entry]

    def _switch(self, row: Release, from_version: str | None, to_version: str) -> None:
        """The one switch of a release on a kubernetes, mlflow or command service."""
        with self.env.db.read() as session:
            svc = registry.get_service(session=session, name=row.service)
            name, config = svc.backend, dict(svc.backend_config)
        plan = RollbackPlan(
            service=row.service,
            from_version=from_version,
            to_version=to_version,
            environment=self.env.playbook.rollback.environment,
            config=config,
        )
        backend_for(name, env=self.env, config=config).switch(plan)

    def _promote(self, row: Release, judged: analysis.Judgement | None, now: datetime) -> None:
        if candidate_share(row) < 100:
            self._route(row, 100.0, now)
        baseline = self._baseline(row, now)
        self._transition(
            row,
            "promoted",
            len(row.steps),
            judged,
            now,
            f"promoted to 100%; {row.stable_version} stays the rollback target until "
            f"{row.version} is stable",
            baseline=baseline,
        )

    def _baseline(self, row: Release, now: datetime) -> str:
        """The detectors' baseline of the new version, from its canary traffic."""
        if self.traffic is None or row.backend != "gateway":
            return "not captured (the service is not served by the gateway)"
        policy = self.env.playbook.detection
        with self.env.db.read() as session:
            threshold = registry.get_version(
                session=session, service=row.service, version=row.version
            ).threshold
        try:
            with self.env.db.session() as session:
                base = baselines.capture(
                    session=session,
                    service=row.service,
                    version=row.version,
                    window=self.traffic.window(row.service, row.version),
                    threshold=threshold,
                    last=max(policy.drift.window, policy.baseline_requests),
                    actor=self.actor,
                    now=now,
                    labels=policy.baseline_labels,
                )
                return f"captured from {base.requests} requests"
        except Conflict as exc:
            return f"not captured: {exc}"

    def abort(
        self,
        row: Release,
        judged: analysis.Judgement | None,
        *,
        by: str | None,
        now: datetime,
        why: str = "",
    ) -> str:
        """Stop the release: the candidate's traffic back to the stable version through the
        rollback engine; on a failed analysis, an incident with the analysis as evidence."""
        share = candidate_share(row)
        reason = f"aborted by {by}" if by else f"{why}: {judged.summary() if judged else 'no data'}"
        rollback_id = None
        with self.env.db.session() as session:
            found = releases.get(session=session, release_id=row.id)
            if judged is not None:
                found.judgement = stamp(found, judged, now)
            if share > 0 and row.stable_version is not None:
                rollback_id, reason = self._send_back(session, found, by or self.actor, reason, now)
            found.reason = reason
            self._chat_gate(session, found, "aborted", found.step, now)
            releases.transition(
                session=session,
                row=found,
                state="aborted",
                step=found.step,
                actor=by or self.actor,
                now=now,
                message=f"Release {row.id} of {row.service} {row.version} aborted: {reason}",
                rollback_id=rollback_id,
            )
        if rollback_id is not None:
            self.runner.submit(rollback_id)  # the switch happens in milliseconds
        if by is None and share > 0 and judged is not None:
            self._incident(row, judged, rollback_id, reason, now)
        if self.traffic is not None and row.backend == "gateway":
            self.traffic.refresh(row.service)
        return "aborted"

    def _send_back(
        self, session: Session, found: Release, actor: str, reason: str, now: datetime
    ) -> tuple[int | None, str]:
        """Record the rollback that takes the candidate's traffic back (in the abort's
        transaction); the reason grows the conflict when one is already in flight."""
        assert found.stable_version is not None
        try:
            rb = rollbacks.start_for_release(
                session=session,
                service=found.service,
                from_version=found.version,
                to_version=found.stable_version,
                actor=actor,
                reason=f"release {found.id} {reason}",
                now=now,
            )
        except Conflict as exc:
            return None, f"{reason} ({exc})"
        found.rollback_id = rb.id
        return rb.id, reason

    def conclude_rolled_back(self, row: Release, why: str, now: datetime) -> str:
        """The candidate was rolled back by a rollback the release did not start."""
        with self.env.db.session() as session:
            found = releases.get(session=session, release_id=row.id)
            found.reason = why
            releases.transition(
                session=session,
                row=found,
                state="aborted",
                step=found.step,
                actor=self.actor,
                now=now,
                message=f"Release {row.id} of {row.service} {row.version} aborted: {why}",
            )
        return "aborted"

    def _incident(
        self,
        row: Release,
        judged: analysis.Judgement,
        rollback_id: int | None,
        reason: str,
        now: datetime,
    ) -> None:
        alert = AlertCreate(
            source="release",
            fingerprint=f"{row.service}/{row.version}/release-{row.id}",
            name="ReleaseAborted",
            service=row.service,
            summary=f"{row.service} {row.version}: release {row.id} aborted: {reason}",
            labels={"service": row.service, "version": row.version, "release": str(row.id)},
            metrics=alert_metrics(judged),
            starts_at=now,
        )
        try:
            result = ingest_batch(self.env, [alert], actor=self.actor)
        except WarroomError:
            log.exception("release %s: the incident could not be opened", row.id)
            return
        opened = [*result.incidents_opened, *result.incidents_updated]
        if not opened:
            return
        with self.env.db.session() as session:
            found = releases.get(session=session, release_id=row.id)
            found.incident_id = opened[0]
            if rollback_id is not None:
                rollbacks.get(session=session, rollback_id=rollback_id).incident_id = opened[0]
            releases.note(
                session=session,
                row=found,
                action="analysis",
                actor=self.actor,
                now=now,
                message=f"Release {row.id} of {row.service} {row.version} failed its analysis: "
                f"{judged.summary()}",
                judgement=judged.as_dict(),
            )
