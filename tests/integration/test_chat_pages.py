"""Pages with buttons: a page to a person mapped to Slack arrives as a direct message from the
bot with Acknowledge / Escalate now / Resolve, and Escalate now pages the next level; without
a chat section the same contact still pages through the incoming webhook."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.conftest import LiveServer
from tests.support.chat import ALICE, BOB, T0, chat_playbook, kinds, open_incident, use_slack
from tests.support.slack import SlackServer, click
from warroom.bootstrap import Container
from warroom.notify.models import Notification
from warroom.playbook.schema import Playbook
from warroom.worker.loop import Worker


def direct_messages(slack: SlackServer, user: str) -> list[dict[str, Any]]:
    channel = slack.channels.get("D" + user[1:])
    return list(channel["messages"]) if channel else []


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    return [(e["action_id"], e["value"]) for e in actions["elements"]]


def test_page_carries_buttons_and_escalate_now_escalates(
    live_server: LiveServer, clock, slack: SlackServer
) -> None:
    container = live_server.container
    use_slack(container, slack)
    clock.set(T0)
    incident_id = open_incident(container, T0)
    worker = Worker(container)
    worker.run_until_idle()

    [page] = direct_messages(slack, ALICE)
    assert page["text"].startswith(f"*[P1] {incident_id}: HighErrorRate")
    assert "escalation level 0" in page["text"]
    assert buttons(page) == [
        ("warroom_ack", incident_id),
        ("warroom_escalate", incident_id),
        ("warroom_resolve", incident_id),
    ]
    assert not [r for r in slack.responses if r["path"].endswith("incoming-webhook")]
    with container.db.read() as session:
        statuses = set(session.scalars(select(Notification.status)))
    assert statuses == {"sent"}
    assert direct_messages(slack, BOB) == []  # level 1 waits 15 minutes

    escalate = next(v for a, v in buttons(page) if a == "warroom_escalate")
    answer = click(
        live_server.url,
        slack,
        user=ALICE,
        action_id="warroom_escalate",
        value=escalate,
        channel="D" + ALICE[1:],
    )
    assert answer.status_code == 200
    worker.run_until_idle()  # the clock has not moved: only the click made level 1 due

    timeline = kinds(container, incident_id)
    [now] = [e for e in timeline if e.kind == "escalation" and e.data.get("now")]
    assert now.actor == f"slack:{ALICE} (alice)" and now.data["level"] == 1
    paged = [(e.data["person"], e.data["level"]) for e in timeline if e.kind == "page"]
    assert paged == [("alice", 0), ("bob", 1)]
    [bobs] = direct_messages(slack, BOB)
    assert [a for a, _ in buttons(bobs)] == ["warroom_ack", "warroom_escalate", "warroom_resolve"]
    assert any("Escalating" in r.get("text", "") for r in slack.responses)


def test_without_chat_pages_still_use_the_incoming_webhook(
    container: Container, clock, slack: SlackServer
) -> None:
    data = chat_playbook(container.playbook, slack).model_dump(mode="json", by_alias=True)
    data["chat"] = None
    container.playbook = Playbook.model_validate(data)
    clock.set(T0)
    open_incident(container, T0)
    Worker(container).run_until_idle()
    [hook] = [r for r in slack.responses if r["path"].endswith("incoming-webhook")]
    assert hook["text"].startswith("*[P1] INC-") and f"(for {ALICE})" in hook["text"]
    assert direct_messages(slack, ALICE) == [] and slack.calls == []  # the bot is not used
