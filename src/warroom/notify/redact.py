"""Keep channel secrets out of error messages and out of the log.

A channel's URL is its secret (a Slack webhook's path, an SMTP password, an Apprise token),
and the HTTP libraries underneath log request URLs at INFO/DEBUG level. ``redact`` keeps a
URL's scheme and host only; ``install_log_filter`` rewrites the records of those libraries'
loggers the same way, whatever level the user's logging runs at.
"""

from __future__ import annotations

import logging
import re

from warroom.playbook.secrets import MASK, hide

_URL = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)([^/\s'\"]*@)?([^/\s'\"?#]+)[^\s'\"]*")
# Loggers that print request URLs (logger filters only see records logged to that very name).
LOGGERS = ("httpx", "httpcore.http11", "urllib3.connectionpool", "apprise", "warroom.pages")


def redact(text: str) -> str:
    """Errors are stored and shown: keep a URL's scheme and host, drop credentials, path
    and query (a Slack webhook's secret is its path)."""
    return _URL.sub(lambda m: f"{m.group(1)}{m.group(3)}/{MASK}", text)


def scrub(text: str, secrets: list[str]) -> str:
    """``redact`` plus every literal secret (a token that is not in URL form) replaced."""
    return redact(hide(text, (s for s in secrets if len(s) >= 4)))


class RedactingFilter(logging.Filter):
    """Formats the record once and stores it redacted (args are where URLs hide), with
    every secret a channel registered (``remember``) replaced too."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        record.msg, record.args = scrub(message, list(self.secrets)), ()
        return True


_FILTER = RedactingFilter()


def remember(secrets: list[str]) -> None:
    """Literal secrets (tokens in an Apprise URL's host or path) the log filter must hide."""
    _FILTER.secrets.update(s for s in secrets if len(s) >= 4)


def install_log_filter() -> None:
    """Attach the filter to the loggers that print URLs (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
