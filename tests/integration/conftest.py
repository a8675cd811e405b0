"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.chat import slack_server
from tests.support.slack import SlackServer


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackServer]:
    """A local Slack Web API server (see ``tests.support.chat``)."""
    yield from slack_server(monkeypatch)
