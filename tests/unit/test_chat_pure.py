"""Room names and Slack request signatures: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

from warroom.chat.names import LIMIT, room_name, with_suffix
from warroom.chat.signature import problem, sign

AT = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


def test_room_name_follows_the_pattern_in_slacks_form() -> None:
    name = room_name(
        "incident-{date}-{time}-{slug}",
        incident_id="INC-1",
        title="Fraud Model: Error rate > 50% (EU)",
        detected_at=AT,
    )
    assert name == "incident-2026-11-23-0905-fraud-model-error-rate-50-eu"
    long = room_name(
        "incident-{date}-{time}-{slug}", incident_id="INC-1", title="x" * 200, detected_at=AT
    )
    assert len(long) == LIMIT and long.startswith("incident-2026-11-23-0905-xxx")
    assert with_suffix(long, 2).endswith("-2") and len(with_suffix(long, 2)) <= LIMIT
    assert room_name("{slug}", incident_id="INC-7", title="Ünïcödé!", detected_at=AT) == "unicode"


def test_signature_accepts_slacks_and_refuses_the_rest() -> None:
    body, secret, now = b"payload=%7B%7D", "s3cret", 1_800_000_000.0
    good = sign(secret, str(int(now)), body)
    assert good.startswith("v0=") and problem(secret, str(int(now)), good, body, now) is None
    assert problem(secret, str(int(now)), good, body + b"x", now) == "signature does not match"
    assert problem("other", str(int(now)), good, body, now) == "signature does not match"
    old = str(int(now) - 301)
    assert "5 minutes" in (problem(secret, old, sign(secret, old, body), body, now) or "")
    assert problem(secret, None, good, body, now) is not None
    assert problem(secret, "soon", good, body, now) is not None
