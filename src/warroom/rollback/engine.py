"""The rollback engine: a resumable state machine, one durable state per step.

    planned → snapshotted → switched → verifying → succeeded | inconclusive | failed
    (any step) → reverted (routing put back) | failed (nothing moved) | timed_out | error

Each step's result is committed before the next starts, and a runner holds a lease on the
rollback while it works. If the runner dies, the rollback is claimed again once the lease has
expired and resumes at the step it was in (backend calls are idempotent), or is concluded as
timed out when its hard timeout has passed; it is never left half-done silently.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, or_, update

from warroom.deploy import registry
from warroom.deploy.backends.base import Backend, BackendError, RollbackPlan
from warroom.deploy.backends.registry import backend_for
from warroom.deploy.models import FINAL_STATES, Rollback
from warroom.env.port import Env
from warroom.rollback import verify
from warroom.rollback.conclude import conclude
from warroom.rollback.restore import end_after_failure


def lease(env: Env) -> timedelta:
    return timedelta(seconds=env.settings.rollback_lease)


class Lost(Exception):
    """Another runner took this rollback over (our lease expired)."""


def claim(env: Env, rollback_id: int, *, owner: str, now: datetime) -> bool:
    """Take the rollback's lease if nobody holds a live one.

    The runner's own bookkeeping (claim, lease, intermediate states) commits without waiting
    for the disk: every step is safe to redo, and a record that fell behind in a machine crash
    is resumed from where it stands. The final state is written durably (``conclude``)."""
    with env.db.session(durable=False) as session:
        result = session.execute(
            update(Rollback)
            .where(
                Rollback.id == rollback_id,
                Rollback.state.not_in(FINAL_STATES),
                or_(Rollback.lease_until.is_(None), Rollback.lease_until < now),
            )
            .values(
                lease_until=now + lease(env),
                runner=owner,
                started_at=func.coalesce(Rollback.started_at, now),
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def renew(env: Env, rollback_id: int, *, owner: str) -> bool:
    """Extend our lease; False when another runner holds the rollback now."""
    with env.db.session(durable=False) as session:
        result = session.execute(
            update(Rollback)
            .where(Rollback.id == rollback_id, Rollback.runner == owner)
            .values(lease_until=env.clock() + lease(env))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


@contextmanager
def heartbeat(env: Env, rollback_id: int, owner: str) -> Iterator[None]:
    """Keep the lease alive while a (possibly slow) backend step runs."""
    done = threading.Event()
    interval = env.settings.rollback_lease / 3

    def beat() -> None:
        while not done.wait(interval):
            if not renew(env, rollback_id, owner=owner):
                return

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def run(
    env: Env,
    rollback_id: int,
    *,
    poll: float = 0.2,
    stopping: threading.Event | None = None,
) -> str | None:
    """Drive a rollback to a final state; None when another runner holds it, or when
    ``stopping`` is set (the process shuts down: the lease is released so that the next
    runner resumes the rollback at once, from its recorded state)."""
    owner = uuid.uuid4().hex
    if not claim(env, rollback_id, owner=owner, now=env.clock()):
        return None
    try:
        return _drive(env, rollback_id, owner, poll, stopping or threading.Event())
    except Lost:
        return None


def release(env: Env, rollback_id: int, *, owner: str) -> None:
    """Give up our lease without concluding (shutdown): the rollback is resumed elsewhere."""
    with env.db.session(durable=False) as session:
        session.execute(
            update(Rollback)
            .where(Rollback.id == rollback_id, Rollback.runner == owner)
            .values(lease_until=None)
        )


def _drive(
    env: Env, rollback_id: int, owner: str, poll: float, stopping: threading.Event
) -> str | None:
    policy = env.playbook.rollback
    while True:
        if stopping.is_set():
            release(env, rollback_id, owner=owner)
            return None
        # Read-only: the claim stamped started_at, and the lease is renewed by the heartbeat
        # during steps and below while verification waits (no fsync on the way to the switch).
        with env.db.read() as session:
            rb = session.get(Rollback, rollback_id)
            assert rb is not None
            if rb.state in FINAL_STATES:
                return rb.state
            if rb.runner != owner:
                raise Lost
            now = env.clock()
            state, started = rb.state, rb.started_at or now
            svc = registry.get_service(session=session, name=rb.service)
            plan = RollbackPlan(
                service=rb.service,
                from_version=rb.from_version,
                to_version=rb.to_version,
                incident_id=rb.incident_id,
                rollback_id=rb.id,
                environment=policy.environment,
                config=dict(svc.backend_config),
                timeout_seconds=max(1.0, (started + policy.timeout - now).total_seconds()),
                previous_weights=dict(rb.previous_weights or {}),
            )
            backend_name, switched_at = svc.backend, rb.switched_at
            snapshot = dict(rb.snapshot)
        fail = partial(
            end_after_failure,
            env,
            plan,
            backend=backend_name,
            state=state,
            snapshot=snapshot,
            owner=owner,
        )
        if now >= started + policy.timeout:
            seconds = policy.timeout.total_seconds()
            fail(ending="timed_out", reason=f"hard timeout of {seconds:g}s reached in {state}")
            continue
        try:
            backend = backend_for(backend_name, env=env, config=plan.config)
            with heartbeat(env, rollback_id, owner):
                if _step(env, backend, plan, state, switched_at, now, owner):
                    continue
        except Lost:
            raise
        except BackendError as exc:
            fail(ending="failed", reason=f"{state}: {exc}")
            continue
        except Exception as exc:  # anything unexpected ends the rollback, with the reason
            fail(ending="error", reason=f"{state}: {type(exc).__name__}: {exc}")
            continue
        stopping.wait(poll)
        if not renew(env, rollback_id, owner=owner):
            raise Lost


def _step(
    env: Env,
    backend: Backend,
    plan: RollbackPlan,
    state: str,
    switched_at: datetime | None,
    now: datetime,
    owner: str,
) -> bool:
    """Do one step; True when the state advanced (False: verification must wait)."""
    t0 = time.perf_counter()
    if state == "planned":
        snapshot = backend.prepare(plan)
        _advance(env, plan, owner, state, "snapshotted", "prepare", t0, snapshot=snapshot)
    elif state == "snapshotted":
        backend.switch(plan)
        if not backend.updates_registry:
            _record_switch(env, plan)
        _advance(env, plan, owner, state, "switched", "switch", t0, switched_at=env.clock())
    elif state == "switched":
        if plan.from_version and plan.from_version != plan.to_version:
            backend.retire(plan)
        _advance(env, plan, owner, state, "verifying", "retire", t0)
    elif state == "verifying":
        return _verify(env, plan, switched_at or now, now, owner)
    return True


def _verify(env: Env, plan: RollbackPlan, since: datetime, now: datetime, owner: str) -> bool:
    policy = env.playbook.rollback.verification
    if now < since + policy.window:
        return False
    obs = _observe(env, plan, since, now)
    waited = (now - since).total_seconds()
    patient = now < since + policy.window + policy.max_wait
    if obs.requests < policy.min_requests and patient:
        _note_verification(
            env, plan.rollback_id, {"requests": obs.requests, "min_requests": policy.min_requests}
        )
        return False
    baseline = None
    if policy.source == "gateway":  # read once, when there is enough to judge
        baseline = verify.baseline_from_gateway(
            env, service=plan.service, version=plan.to_version, before=since, span=policy.baseline
        )
    rules = verify.Rules(
        criteria=[c.model_dump() for c in policy.criteria],
        min_requests=policy.min_requests,
        alpha=policy.alpha,
        tolerance=policy.tolerance,
    )
    outcome = verify.judge(obs, rules, baseline)
    _conclude_verification(env, plan, outcome, waited, owner)
    return True


def _conclude_verification(
    env: Env, plan: RollbackPlan, outcome: verify.Outcome, waited: float, owner: str
) -> None:
    """Succeeded, failed (enough requests to tell), or inconclusive (waited long enough)."""
    assert plan.rollback_id is not None
    results = {**outcome.results, "window_seconds": waited}
    if outcome.passed:
        state, reason = "succeeded", f"verification passed: {results['compared']}"
    elif outcome.enough:
        failed = [c for c in results["checks"] if not c["ok"]]
        why = "; ".join(f"{c['metric']}: {c.get('compared') or _criterion(c)}" for c in failed)
        state, reason = "failed", f"verification failed: {why}"
    else:
        state = "inconclusive"
        reason = (
            f"switched to {plan.to_version}, but only {results['requests']:g} requests reached "
            f"it in {waited:.0f}s ({results['min_requests']} needed to judge it): not verified"
        )
    conclude(env, plan.rollback_id, state, reason, results, owner=owner)


def _observe(env: Env, plan: RollbackPlan, since: datetime, now: datetime) -> verify.Observation:
    """The target since the switch (through PromQL, or the gateway's samples)."""
    policy = env.playbook.rollback.verification
    if policy.source == "prometheus":
        if not policy.prometheus_url:
            raise BackendError("verification source prometheus needs prometheus_url")
        return verify.from_prometheus(
            policy.prometheus_url, policy.queries, service=plan.service, version=plan.to_version
        )
    return verify.from_gateway(
        env, service=plan.service, version=plan.to_version, since=since, until=now
    )


def _criterion(check: dict[str, Any]) -> str:
    return f"observed {check['observed']}, needs {check['op']} {check['value']}"


def _note_verification(env: Env, rollback_id: int | None, results: dict[str, Any]) -> None:
    with env.db.session(durable=False) as session:
        rb = session.get(Rollback, rollback_id)
        assert rb is not None
        rb.verification = {**results, "waiting": "not enough requests yet"}


def _record_switch(env: Env, plan: RollbackPlan) -> None:
    with env.db.session(durable=False) as session:
        registry.apply_weights(
            session=session,
            service=plan.service,
            weights={plan.to_version: 100.0},
            actor="warroom:rollback",
            now=env.clock(),
            kind="rollback",
            version=plan.to_version,
            details={"rollback_id": plan.rollback_id},
        )


def _advance(
    env: Env,
    plan: RollbackPlan,
    owner: str,
    old_state: str,
    new_state: str,
    step: str,
    t0: float,
    *,
    snapshot: dict[str, Any] | None = None,
    switched_at: datetime | None = None,
) -> None:
    with env.db.session(durable=False) as session:
        rb = session.get(Rollback, plan.rollback_id)
        assert rb is not None
        if rb.runner != owner or rb.state != old_state:
            raise Lost  # another runner moved on; its record stands
        now = env.clock()
        rb.steps = [
            *rb.steps,
            {
                "step": step,
                "at": now.isoformat(),
                "ok": True,
                "ms": round((time.perf_counter() - t0) * 1000, 2),
            },
        ]
        rb.state = new_state
        if snapshot is not None:
            rb.snapshot = snapshot
        if switched_at is not None:
            rb.switched_at = switched_at
            if plan.from_version:
                row = registry.get_version(
                    session=session, service=plan.service, version=plan.from_version
                )
                row.rolled_back_from = True
