"""The ``webhook`` channel: POSTs the message as JSON, with an ``Idempotency-Key`` header."""

from __future__ import annotations

import httpx

from warroom.errors import DeliveryError
from warroom.notify.channels.base import Channel, Message


def post(channel: Channel, body: dict[str, object], message: Message) -> None:
    """POST ``body``; any answer but 2xx, or no answer, is a DeliveryError naming the host."""
    try:
        response = httpx.post(
            channel.url, json=body, headers=channel.headers(message), timeout=channel.timeout
        )
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{channel.where()}: {type(exc).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"{channel.where()}: HTTP {response.status_code}")


class WebhookChannel(Channel):
    type = "webhook"

    def send(self, message: Message) -> None:
        body = {
            "id": message.key,
            "to": message.to,
            "subject": message.subject,
            "text": message.body,
            "incident_id": message.incident_id,
            **message.data,
        }
        post(self, body, message)
