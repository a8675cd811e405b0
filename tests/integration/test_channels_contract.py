"""One contract for every channel kind, table-driven: each delivers the message's content to a
real peer on loopback (HTTP receiver, SMTP server, the log), a failing peer becomes a
``failed`` notification with the peer's reason on the timeline, and the channel's secrets
appear nowhere: not in errors, the timeline, API answers or the log (at DEBUG level)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import LiveServer, free_port
from tests.integration.test_response import T0, open_incident
from tests.support.mailbox import Mailbox
from tests.support.receiver import Receiver
from warroom.errors import DeliveryError
from warroom.notify.channels.base import Message
from warroom.notify.channels.registry import get_type
from warroom.notify.channels.webhook import SIGNATURE, TIMESTAMP, verify
from warroom.playbook.oncall import ChannelConfig
from warroom.playbook.schema import Playbook
from warroom.worker.loop import Worker

HMAC_KEY = "hmac-k3y-0123456789"


@dataclass
class Peer:
    """One channel kind wired to its loopback peer."""

    config: ChannelConfig
    secrets: list[str]
    delivered: Callable[[], list[dict[str, str]]]  # normalised: key, to, subject, body
    set_failing: Callable[[bool], None] | None  # None: this kind has no way to fail


def _http(rx: Receiver, shape: Callable[[Any], dict[str, str]]) -> Callable[[], list[dict]]:
    return lambda: [shape(r) for r in rx.received]


def webhook(rx: Receiver, url: str, _: Mailbox, __: Any) -> Peer:
    def shape(r: Any) -> dict[str, str]:
        signed = verify(
            HMAC_KEY, r.raw, r.headers[TIMESTAMP], r.headers[SIGNATURE], now=time.time()
        )
        assert signed, "the HMAC signature does not verify"
        assert not verify("wrong", r.raw, r.headers[TIMESTAMP], r.headers[SIGNATURE], now=0)
        b = r.body
        return {"key": b["id"], "to": b["to"], "subject": b["subject"], "body": b["text"]}

    config = ChannelConfig(
        name="hook",
        type="webhook",
        url=f"{url}/hook?token=tok-s3cret-42",
        options={"secret": HMAC_KEY},
    )
    return Peer(config, ["tok-s3cret-42", HMAC_KEY], _http(rx, shape), _status(rx))


def slack(rx: Receiver, url: str, _: Mailbox, __: Any) -> Peer:
    def shape(r: Any) -> dict[str, str]:
        text = r.body["text"]
        return {"key": r.headers["Idempotency-Key"], "to": text, "subject": text, "body": text}

    config = ChannelConfig(name="chat", type="slack", url=f"{url}/services/T0/B0/SlackS3cretPath")
    return Peer(config, ["SlackS3cretPath"], _http(rx, shape), _status(rx))


def apprise(rx: Receiver, url: str, _: Mailbox, __: Any) -> Peer:
    def shape(r: Any) -> dict[str, str]:
        b = r.body
        key = b["message"].rsplit("id: ", 1)[-1]
        return {"key": key, "to": b["title"], "subject": b["title"], "body": b["message"]}

    host = url.removeprefix("http://")
    config = ChannelConfig(
        name="apprise", type="apprise", url=f"json://bot:ApprisePa55@{host}/hooks/AppTok3nPath"
    )
    return Peer(config, ["ApprisePa55", "AppTok3nPath"], _http(rx, shape), _status(rx))


def email(_: Receiver, __: str, mailbox: Mailbox, smtp_url: str) -> Peer:
    def delivered() -> list[dict[str, str]]:
        return [
            {
                "key": str(m["Idempotency-Key"]),
                "to": str(m["To"]),
                "subject": str(m["Subject"]),
                "body": m.get_payload(decode=True).decode(),  # type: ignore[union-attr]
            }
            for m in mailbox.mails
        ]

    def failing(on: bool) -> None:
        mailbox.refuse = on

    config = ChannelConfig(
        name="mail", type="email", url=smtp_url, options={"from": "warroom@example.com"}
    )
    return Peer(config, [mailbox.password], delivered, failing)


def log(_: Receiver, __: str, ___: Mailbox, records: list[logging.LogRecord]) -> Peer:
    def delivered() -> list[dict[str, str]]:
        out = []
        for record in records:
            if record.name == "warroom.pages":
                text = record.getMessage()
                key = text.split("[", 1)[1].split("]", 1)[0]
                out.append({"key": key, "to": text, "subject": text, "body": text})
        return out

    return Peer(ChannelConfig(name="console", type="log"), [], delivered, None)


def _status(rx: Receiver) -> Callable[[bool], None]:
    def failing(on: bool) -> None:
        rx.status = 503 if on else 200

    return failing


KINDS = {"log": log, "webhook": webhook, "slack": slack, "email": email, "apprise": apprise}


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured() -> Iterator[Capture]:
    """Every log record of the process at DEBUG, as a user running with DEBUG would see."""
    handler = Capture()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old)


@pytest.fixture(params=sorted(KINDS))
def peer(request: pytest.FixtureRequest, captured: Capture) -> Iterator[Peer]:
    rx = Receiver()
    url = rx.start()
    mailbox = Mailbox(port=free_port())
    smtp_url = mailbox.start()
    extra: Any = captured.records if request.param == "log" else smtp_url
    yield KINDS[request.param](rx, url, mailbox, extra)
    rx.stop()
    mailbox.stop()


def leaked(peer: Peer, text: str) -> list[str]:
    return [s for s in peer.secrets if s in text]


def test_channel_delivers_the_message_content(peer: Peer) -> None:
    channel = get_type(peer.config.type)(peer.config, timeout=5)
    message = Message(
        key="page:INC-1:0:0:alice",
        to="alice@example.com",
        subject="[P0] INC-1: error rate 60%",
        body="Acknowledge: warroom incident ack INC-1",
        incident_id="INC-1",
    )
    channel.send(message)
    [got] = peer.delivered()
    assert got["key"] == message.key
    assert "alice@example.com" in got["to"]
    assert message.subject in got["subject"]
    assert message.body in got["body"]


def test_failure_is_a_reason_without_secrets(peer: Peer) -> None:
    if peer.set_failing is None:
        pytest.skip(f"a {peer.config.type} channel has no peer that can refuse")
    peer.set_failing(True)
    channel = get_type(peer.config.type)(peer.config, timeout=5)
    with pytest.raises(DeliveryError) as err:
        channel.send(Message(key="k-1", to="bob@example.com", subject="s", body="b"))
    reason = str(err.value)
    assert peer.config.name in reason and ("503" in reason or "550" in reason), reason
    assert not leaked(peer, reason)


def test_outbox_failed_then_sent_and_secrets_masked_everywhere(
    peer: Peer, live_server: LiveServer, clock: Any, captured: Capture
) -> None:
    container = live_server.container
    data = container.playbook.model_dump(mode="json")
    data["channels"] = [peer.config.model_dump(mode="json")]
    for person in data["oncall"]["people"]:
        person["contacts"] = [{"channel": peer.config.name, "to": f"{person['name']}@ex.com"}]
    container.playbook = Playbook.model_validate(data)
    container.settings.job_backoff_base = 1
    clock.set(T0)
    incident_id = open_incident(container, T0)
    worker = Worker(container)
    if peer.set_failing is not None:
        peer.set_failing(True)
        worker.run_until_idle()
        clock.set(T0 + timedelta(seconds=30))
        peer.set_failing(False)
    worker.run_until_idle()

    assert [d["key"] for d in peer.delivered()][-1].startswith(f"page:{incident_id}:0:0:alice")
    viewer = live_server.client(live_server.viewer_token)
    rows = viewer.get("/api/v1/notifications", params={"incident_id": incident_id}).json()
    assert [r["status"] for r in rows] == ["sent"]
    detail = viewer.get(f"/api/v1/incidents/{incident_id}").json()
    notes = [e for e in detail["timeline"] if e["kind"] == "notification"]
    if peer.set_failing is not None:
        assert [e["data"]["status"] for e in notes] == ["failed", "sent"]
        reason = notes[0]["data"]["error"]
        assert peer.config.name in reason and ("503" in reason or "550" in reason), reason
    jobs = viewer.get("/api/v1/jobs").json()
    everything = str(rows) + str(detail) + str(jobs)
    everything += "\n".join(r.getMessage() for r in captured.records)
    assert not leaked(peer, everything)
