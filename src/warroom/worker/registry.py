"""Every job kind and its handler, in one place.

To add a kind, write ``def handle(ctx: JobContext, payload: dict) -> None`` in your domain
(idempotent: check before you insert, in ``ctx.session``, because a job whose worker died is
run again) and add one line to ``HANDLERS``. Enqueue it with
``warroom.jobs.service.enqueue(session=..., kind=..., payload=..., due_at=..., key=...)``.

Periodic work: add a ``Tick(kind, every)`` to ``TICKS``. Every worker enqueues the kind once
per ``every`` slot under the key ``tick:<kind>:<slot>``, so however many workers run, each slot
runs once; the payload carries the slot number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from warroom.chat import service as chat
from warroom.chatops import approval, pages, release_gate, rooms
from warroom.guide import handlers as guide
from warroom.guide.service import OPEN as GUIDE_OPEN
from warroom.guide.service import STEP as GUIDE_STEP
from warroom.intake import handlers as alerts
from warroom.intake.holds import PENDING_CHECK
from warroom.jobs.context import OnFailure, Run
from warroom.notify import handlers as notify
from warroom.notify.service import DELIVER
from warroom.postmortem import reminders
from warroom.response import handlers as response
from warroom.response.service import ACK_DEADLINE, ESCALATE
from warroom.rollback.stability import RESOLVE_IF_STABLE, resolve_if_stable
from warroom.updates import handlers as updates
from warroom.updates.service import CADENCE


@dataclass(frozen=True)
class Handler:
    run: Run
    on_failure: OnFailure | None = None
    urgent: bool = False  # claimed before any other due job (paging)


@dataclass(frozen=True)
class Tick:
    kind: str
    every: timedelta


HANDLERS: dict[str, Handler] = {
    # Pages to chat users go through the chat bot (with buttons); the rest as notify sends.
    DELIVER: Handler(pages.deliver, on_failure=notify.delivery_failed, urgent=True),
    ESCALATE: Handler(response.escalate, urgent=True),
    ACK_DEADLINE: Handler(response.ack_deadline),
    CADENCE: Handler(updates.cadence),
    RESOLVE_IF_STABLE: Handler(resolve_if_stable),
    PENDING_CHECK: Handler(alerts.pending_elapsed),
    GUIDE_OPEN: Handler(guide.on_open),
    GUIDE_STEP: Handler(guide.run_step),
    reminders.REMIND: Handler(reminders.handle),
    chat.OPEN: Handler(rooms.open_room),
    chat.MIRROR: Handler(rooms.mirror),
    chat.ARCHIVE: Handler(rooms.archive),
    chat.RESPOND: Handler(rooms.respond),
    chat.APPROVAL: Handler(approval.post_prompt),
    chat.APPROVAL_EXPIRE: Handler(approval.expire),
    chat.APPROVAL_DECIDED: Handler(approval.show_decision),
    chat.RELEASE_PROMPT: Handler(release_gate.post_prompt),
    chat.RELEASE_DECIDED: Handler(release_gate.show_decision),
}

# Overdue postmortems and action items are due by the hour or day: every 5 minutes is plenty.
TICKS: tuple[Tick, ...] = (Tick(reminders.REMIND, timedelta(minutes=5)),)
