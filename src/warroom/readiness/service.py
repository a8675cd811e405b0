"""Gather the facts readiness judges: playbook, schedules, channels, services, drills.

Everything is checked for real: the playbook file is parsed again, schedules are resolved with
warroom's own on-call code, channels are built (and, only when asked, send a test message
through the same send path as pages), every model service's rollback target is chosen as a
rollback would choose it and its backend runs the read-only first step of a rollback toward
it, and the drill record is read from the audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from warroom.audit import service as audit
from warroom.audit.models import AuditEvent
from warroom.config import Settings
from warroom.deploy import registry, target
from warroom.deploy.backends.base import RollbackPlan
from warroom.deploy.backends.registry import backend_for
from warroom.env.port import Env
from warroom.errors import PlaybookError, WarroomError
from warroom.notify.channels.base import Message
from warroom.notify.channels.registry import get_type
from warroom.playbook.loader import load_playbook
from warroom.readiness import checks, reach
from warroom.readiness.checks import Check

#: The audit action a finished drill records (``warroom.drills``).
DRILL_COMPLETED = "drill.completed"


def playbook_source(settings: Settings) -> str:
    return str(settings.playbook) if settings.playbook else "the shipped default playbook"


def playbook_check(settings: Settings) -> Check:
    """Parse the playbook file again, reporting every problem."""
    try:
        load_playbook(settings.playbook)
    except PlaybookError as exc:
        return checks.playbook_check(playbook_source(settings), exc.problems)
    return checks.playbook_check(playbook_source(settings), [])


def gather(*, env: Env, now: datetime, send_test: bool, actor: str) -> list[Check]:
    """Every check but the playbook's (the process holds a valid playbook already)."""
    playbook = env.playbook
    found = checks.oncall_checks(
        playbook.oncall, now=now, horizon=playbook.readiness.coverage_horizon
    )
    found += reach.paging_checks(playbook.oncall, playbook.channels)
    found += channel_checks(env, now=now, send_test=send_test, actor=actor)
    found += service_checks(env, now=now)
    found += chat_checks(env)
    found.append(drill(env, now=now))
    return found


def chat_checks(env: Env) -> list[Check]:
    """With a ``chat`` section: the bot token works (Slack's ``auth.test``) and the signing
    secret is set (without it every button and command is refused)."""
    policy = env.playbook.chat
    if policy is None:
        return []
    from warroom.chat import registry as platforms
    from warroom.chat.base import expand

    try:
        bot = platforms.platform(policy).identity()
        token = Check("chat:token", True, f"{policy.type} accepts the bot token (bot user {bot})")
    except WarroomError as exc:  # ChatError: the message names the method, never the token
        token = Check("chat:token", False, str(exc))
    try:
        expand(policy.signing_secret, "signing_secret")
        secret = Check("chat:signing_secret", True, "set: requests from chat are verified")
    except WarroomError as exc:
        secret = Check("chat:signing_secret", False, f"{exc}: every chat request is refused")
    return [token, secret]


def channel_checks(env: Env, *, now: datetime, send_test: bool, actor: str) -> list[Check]:
    """Build every channel; with ``send_test``, send each one a test message (audited)."""
    channels = env.playbook.channels
    if not channels:
        return [Check("channels", False, "no channels in the playbook: nobody can be reached")]
    found, sent = [], []
    for config in channels:
        error = None
        try:
            channel = get_type(config.type)(config, timeout=env.settings.notify_timeout)
            if send_test:
                channel.send(_test_message(config.name, config.to, now))
                sent.append(config.name)
        except WarroomError as exc:  # DeliveryError and friends; messages carry no secrets
            error = str(exc)
        found.append(checks.channel_check(config.name, config.type, error=error, sent=send_test))
    if send_test:
        with env.db.session() as session:
            audit.record(
                session=session,
                actor=actor,
                action="readiness.test_message",
                target="channels",
                now=now,
                sent=sent,
                failed=[c.name.removeprefix("channel:") for c in found if not c.ok],
            )
    return found


def _test_message(channel: str, to: str | None, now: datetime) -> Message:
    return Message(
        key=f"readiness-{channel}-{now.isoformat()}",
        to=to or "",
        subject="warroom readiness: test message",
        body=f"Test message from `warroom readiness --send-test` at {now.isoformat()}; "
        "no incident, nothing to do.",
        data={"readiness": True},
    )


def service_checks(env: Env, *, now: datetime) -> list[Check]:
    """Per model service: a stable rollback target, and a backend that can prepare it."""
    policy = env.playbook.rollback
    with env.db.read() as session:
        services = [
            (
                svc.name,
                svc.backend,
                dict(svc.backend_config),
                registry.versions(session=session, service=svc.name),
            )
            for svc in registry.list_services(session=session)
        ]
    if not services:
        return [checks.no_services_check()]
    found = []
    for name, backend, config, rows in services:
        facts = registry.facts(rows)
        chosen, skipped = target.choose(facts, now=now, stable_after=policy.stable_after)
        error = None
        if chosen is not None:
            bad = target.suspect(facts, exclude=chosen.version)
            plan = RollbackPlan(
                service=name,
                from_version=bad.version if bad else None,
                to_version=chosen.version,
                environment=policy.environment,
                config=config,
            )
            error = _prepare_error(env, backend, plan)
        found.append(
            checks.service_check(
                name,
                backend,
                target=chosen.version if chosen else None,
                skipped=skipped,
                backend_error=error,
            )
        )
    return found


def _prepare_error(env: Env, backend: str, plan: RollbackPlan) -> str | None:
    """Why the backend cannot prepare the rollback (it only reads), or None."""
    try:
        backend_for(backend, env=env, config=plan.config).prepare(plan)
    except WarroomError as exc:  # BackendError, ConfigError (unknown backend, missing extra)
        return str(exc)
    except Exception as exc:  # a plugin's own error: one broken backend must not hide the rest
        return f"{type(exc).__name__}: {exc}"
    return None


def drill(env: Env, *, now: datetime) -> Check:
    """The newest ``drill.completed`` audit event against the playbook's maximum age."""
    with env.db.read() as session:
        last = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == DRILL_COMPLETED)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(1)
        ).first()
        at, scenario = (last.at, last.target) if last else (None, None)
    return checks.drill_check(at, scenario, now=now, max_age=env.playbook.readiness.drill_max_age)
