"""Runs releases: one loop that claims every release in flight under a lease and moves it.

Each round (``release_tick`` seconds, or at once when nudged) the runner takes or renews the
lease of every unfinished release no live runner holds, judges the release's current stage
from its traffic, and applies the state machine's move. A killed process's leases expire and
the next runner resumes its releases from their recorded state; a stopping one gives them up.
``tick`` is one release's round, driven directly by tests with a controlled clock.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from warroom.deploy import registry
from warroom.detect.drift import DriftThresholds
from warroom.intake.batch import IntakeEnv
from warroom.releases import analysis, machine
from warroom.releases import service as releases
from warroom.releases.models import Release
from warroom.releases.traffic import Traffic
from warroom.runners.release_actions import Actions
from warroom.runners.release_figures import candidate_share, observe
from warroom.runners.rollback import RollbackRunner

log = logging.getLogger(__name__)
ACTOR = "warroom:release"


def criteria(env: IntakeEnv) -> analysis.Criteria:
    """The release analysis' criteria: the release section's, with the detectors' tests."""
    d, r = env.playbook.detection, env.playbook.release
    p = d.drift
    return analysis.Criteria(
        min_requests=r.min_requests,
        fail_requests=min(d.min_requests, r.min_requests),
        alpha=d.alpha,
        max_error_increase=r.max_error_increase,
        latency_increase=d.latency_increase,
        latency_min_increase_ms=d.latency_min_increase_ms,
        accuracy_drop=d.accuracy_drop,
        error_increase=d.error_increase,
        min_labels=d.min_labels,
        drift=DriftThresholds(p.probability, p.confidence, p.ratio, p.psi, p.ks_pvalue),
        drift_min_samples=p.min_samples,
        max_disagreement=r.max_disagreement,
        max_probability_distance=r.max_probability_distance,
    )


def position(row: Release, env: IntakeEnv) -> machine.Position:
    policy = env.playbook.release
    return machine.Position(
        state=row.state,
        step=row.step,
        steps=tuple(float(s) for s in row.steps),
        paused=row.paused,
        approve_before=tuple(float(s) for s in row.approve_before),
        approved=tuple(int(s) for s in row.approved),
        state_since=row.state_since,
        shadow=timedelta(seconds=row.shadow_seconds),
        interval=timedelta(seconds=row.interval_seconds),
        inconclusive_limit=policy.inconclusive_limit,
        on_inconclusive=policy.on_inconclusive,
    )


class ReleaseRunner:
    def __init__(self, env: IntakeEnv, traffic: Traffic | None, rollbacks: RollbackRunner):
        self.env = env
        self.traffic = traffic
        self.owner = uuid.uuid4().hex
        self.actions = Actions(env, traffic, rollbacks, actor=ACTOR)
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._loop, name="releases", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10)
        with self.env.db.session(durable=False) as session:
            for release_id in releases.unfinished(session=session):
                releases.release_lease(session=session, release_id=release_id, owner=self.owner)

    def nudge(self) -> None:
        """Run a round now (a release was started or a person acted on one)."""
        self.wake.set()

    def _loop(self) -> None:
        while not self.stopping.is_set():
            self.wake.wait(self.env.settings.release_tick)
            self.wake.clear()
            if self.stopping.is_set():
                return
            try:
                self.round()
            except Exception:  # a bad round must not stop the releases
                log.exception("release round failed")

    def round(self) -> None:
        """Claim and move every release in flight that no other live runner holds."""
        with self.env.db.read() as session:
            ids = releases.unfinished(session=session)
        for release_id in ids:
            if self.claim(release_id):
                try:
                    self.tick(release_id)
                except Exception:
                    log.exception("release %s round failed", release_id)

    def claim(self, release_id: int) -> bool:
        with self.env.db.session(durable=False) as session:
            return releases.claim(
                session=session,
                release_id=release_id,
                owner=self.owner,
                now=self.env.clock(),
                lease=self.env.settings.release_lease,
            )

    def tick(self, release_id: int) -> str:
        """One round of one release we hold: judge its stage, apply the machine's move;
        returns the state it is in afterwards."""
        with self.lock:
            now = self.env.clock()
            with self.env.db.read() as session:
                row = releases.get(session=session, release_id=release_id)
                if row.runner != self.owner or row.state in ("promoted", "aborted"):
                    return row.state
                session.expunge(row)
            rolled_back = self.rolled_back(row)
            if rolled_back:  # a rollback (automatic or a person's) already moved the traffic
                return self.actions.conclude_rolled_back(row, rolled_back, now)
            judged = self.judge(row, now)
            if row.abort_requested_by:
                return self.actions.abort(row, judged, by=row.abort_requested_by, now=now)
            move = machine.next_move(
                position(row, self.env), judged.verdict if judged else None, now=now
            )
            if judged is not None and move.kind in ("wait", "await_approval"):
                self.actions.record_judgement(row, judged, now)
            return self.actions.apply(row, move, judged, now)

    def rolled_back(self, row: Release) -> str | None:
        """Why the candidate no longer takes its traffic, when a rollback took it away."""
        if candidate_share(row) <= 0:
            return None
        with self.env.db.read() as session:
            version = registry.get_version(
                session=session, service=row.service, version=row.version
            )
            if version.rolled_back_from or version.state == "bad":
                return f"{row.version} was rolled back from outside the release"
        return None

    def judge(self, row: Release, now: datetime) -> analysis.Judgement | None:
        """The current stage's judgement, or None where there is nothing to judge."""
        c = criteria(self.env)
        if candidate_share(row) > 0 and row.backend != "gateway":
            before: dict[str, Any] = next(
                (j for j in row.judgements if j.get("stage") == "before"), {}
            )
            obs = observe(self.env, row.service, row.version, row.state_since, now)
            return analysis.switched(
                obs.requests, obs.values, before.get("requests", 0), before.get("values", {}), c
            )
        if self.traffic is None:
            return None
        since = row.state_since.timestamp()
        if row.state == "shadow":
            return analysis.shadow(self.traffic.paired(row.service, row.version, since=since), c)
        if candidate_share(row) <= 0 or row.stable_version is None:
            return None
        cand = self.traffic.sample(row.service, row.version, since=since)
        stable = self.traffic.sample(row.service, row.stable_version, since=since)
        if stable.requests < c.min_requests:
            # At 100 % the stable version serves nothing: its traffic of the whole release.
            stable = self.traffic.sample(
                row.service, row.stable_version, since=row.created_at.timestamp()
            )
        return analysis.canary(cand, stable, c)
