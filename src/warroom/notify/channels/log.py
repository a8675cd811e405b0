"""The ``log`` channel: writes the message to warroom's log (the default playbook's channel)."""

from __future__ import annotations

import logging

from warroom.notify.channels.base import Channel, Message

log = logging.getLogger("warroom.pages")


class LogChannel(Channel):
    type = "log"
    needs_url = False

    def send(self, message: Message) -> None:
        log.warning(
            "page for %s [%s]: %s\n%s", message.to, message.key, message.subject, message.body
        )
