"""Release approval gates in chat: a release waiting for a person is posted with Approve /
Abort to the playbook's ``chat.release_channel``, to each of ``chat.release_approvers`` as a
direct message, and to its incident's room when it has one; a click approves or aborts the
release as the person who clicked (audit log), and every posted prompt then shows the outcome
instead of its buttons. A gate decided elsewhere (CLI, API, console) shows it too."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from warroom.chat import registry as platforms
from warroom.chat import render
from warroom.chat import service as chat
from warroom.chat.base import Post
from warroom.chatops import people
from warroom.chatops.posting import post_once
from warroom.errors import Conflict, InvalidInput
from warroom.jobs.context import JobContext
from warroom.releases import machine
from warroom.releases import service as releases
from warroom.releases.models import Release


def _prompt(row: Release, step: int) -> tuple[str, list[dict[str, Any]]]:
    return render.release_approval(
        release_id=row.id,
        step=step,
        service=row.service,
        version=row.version,
        stable_version=row.stable_version,
        weight=machine.weight_at(tuple(row.steps), step),
        judgement=str((row.judgement or {}).get("summary", "")),
    )


def _targets(ctx: JobContext, row: Release) -> list[tuple[str, str]]:
    """(key suffix, channel) of every place the prompt goes."""
    policy = ctx.playbook.chat
    assert policy is not None
    places = [("channel", policy.release_channel)] if policy.release_channel else []
    if row.incident_id:
        with ctx.read() as session:
            room = chat.room(session=session, incident_id=row.incident_id)
        if room is not None and room.state == "open" and room.channel_id:
            places.append(("room", room.channel_id))
    platform = platforms.platform(policy)
    places += people.direct_places(
        sessions=ctx.db.session,
        platform=platform,
        playbook=ctx.playbook,
        persons=list(policy.release_approvers),
        now=ctx.now,
    )
    return places


def post_prompt(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Post the gate with Approve / Abort wherever it must be seen (once per place)."""
    policy = ctx.playbook.chat
    step = int(payload["step"])
    with ctx.read() as session:
        row = session.get(Release, int(payload["release_id"]))
        if policy is None or row is None or (row.state, row.step) != ("awaiting_approval", step):
            return  # decided before the prompt could be posted
        session.expunge(row)
    platform = platforms.platform(policy)
    text, blocks = _prompt(row, step)
    for suffix, channel in _targets(ctx, row):
        post_once(
            ctx,
            platform,
            channel=channel,
            incident_id=row.incident_id,
            post=Post(text, f"release:{row.id}:{step}:{suffix}", blocks),
        )


def show_decision(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Replace the buttons of every posted prompt of the gate with its outcome."""
    policy = ctx.playbook.chat
    step = int(payload["step"])
    prefix = f"release:{payload['release_id']}:{step}:"
    with ctx.read() as session:
        row = session.get(Release, int(payload["release_id"]))
        if policy is None or row is None:
            return
        posted = [(m.channel_id, m.ts) for m in chat.messages(session=session, prefix=prefix)]
        text, blocks = render.decided(_prompt(row, step)[0], str(payload["outcome"]))
    platform = platforms.platform(policy)
    for channel, ts in posted:
        if ts:
            platform.update(channel, ts, Post(text, f"{prefix}decided", blocks))


def parse(value: str) -> tuple[int, int]:
    """A button's value: ``<release id>:<step>``."""
    release_id, _, step = value.partition(":")
    if not (release_id.isdigit() and step.isdigit()):
        raise InvalidInput(f"not a release gate: {value!r}")
    return int(release_id), int(step)


def decide(*, session: Session, value: str, approve: bool, actor: str, now: Any) -> Release:
    """Approve the gate the button was posted for, or abort the release, as ``actor``.
    Conflict when the release has moved past that gate or finished."""
    release_id, step = parse(value)
    row = releases.get(session=session, release_id=release_id)
    if approve and (row.state, row.step) != ("awaiting_approval", step):
        raise Conflict(f"release {release_id} is {row.state}: this approval gate is past")
    action = "approve" if approve else "abort"
    releases.act(
        session=session,
        release_id=release_id,
        action=action,
        actor=actor,
        reason=f"{action}d in chat",
        now=now,
    )
    outcome = f"{'Approved' if approve else 'Aborted'} by {actor}"
    chat.release_gate_passed(
        session=session, release_id=release_id, step=step, outcome=outcome, now=now
    )
    return row
