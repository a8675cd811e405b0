"""Channel secrets stay out of error texts and log records."""

from __future__ import annotations

import logging

from warroom.notify.channels.apprise import AppriseChannel
from warroom.notify.channels.webhook import sign, verify
from warroom.notify.redact import RedactingFilter, redact, scrub
from warroom.playbook.oncall import ChannelConfig


def test_redact_and_scrub() -> None:
    assert redact("POST https://u:pw@hooks.example.com/T0/B0/xyz?token=1 failed") == (
        "POST https://hooks.example.com/**** failed"
    )
    assert scrub("token abcd1234 refused", ["abcd1234", "no"]) == "token **** refused"


def test_apprise_tokens_in_host_and_path_are_secrets() -> None:
    channel = AppriseChannel(
        ChannelConfig(name="s", type="apprise", url="slack://T0AAAAAA/B0BBBBBB/CCCCCCCCCC")
    )
    assert {"T0AAAAAA", "B0BBBBBB", "CCCCCCCCCC"} <= set(channel.secrets())
    assert channel.where() == "s (apprise slack)"
    ntfy = AppriseChannel(ChannelConfig(name="n", type="apprise", url="ntfy://ntfy.sh/{to}"))
    assert "ntfy.sh" not in ntfy.secrets()


def test_log_filter_rewrites_the_formatted_record() -> None:
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "HTTP Request: %s %s", ("POST", "https://h/x?k=1"), None
    )
    log_filter = RedactingFilter()
    log_filter.secrets.add("sekrit-value")
    assert log_filter.filter(record)
    assert record.getMessage() == "HTTP Request: POST https://h/****"


def test_signature_round_trip_and_replay_window() -> None:
    body, ts = b'{"id":"k"}', "1700000000"
    sig = sign("s3", ts, body)
    assert verify("s3", body, ts, sig, now=1700000100)
    assert not verify("s3", body + b" ", ts, sig, now=1700000100)  # body changed
    assert not verify("s3", body, ts, sig, now=1700001000)  # too old: a replay
    assert not verify("s3", body, "not-a-number", sig, now=1700000100)
