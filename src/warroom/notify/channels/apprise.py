"""The ``apprise`` channel: any of the services Apprise knows (Slack, Teams, Discord, e-mail,
ntfy, PagerDuty, Telegram, plain JSON, ...), one URL per channel.

Playbook::

    channels:
      - {name: ntfy, type: apprise, url: "ntfy://ntfy.example.com/{to}"}
      - {name: teams, type: apprise, url: "${TEAMS_APPRISE_URL}"}

``{to}`` in the URL is replaced by the contact's address (URL-quoted), so one channel serves
everyone (an ntfy topic or a mail address per person); without it the URL is the destination
and ``to`` is only named in the title. Apprise reports failure as ``False`` and explains it in
its own log; that explanation (scrubbed of the URL's tokens) becomes the failure reason. The
message's idempotency key travels in the body's last line, since most services have no
header for it.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote, unquote, urlsplit

from warroom.errors import DeliveryError
from warroom.notify import redact
from warroom.notify.channels.base import Channel, Message


class AppriseChannel(Channel):
    type = "apprise"
    #: Apprise schemas keep tokens in the host and path (slack://T/B/C): hide those too.
    min_token: ClassVar[int] = 6

    def secrets(self) -> list[str]:
        parts = urlsplit(self.url)
        host = parts.netloc.rsplit("@", 1)[-1].split(":", 1)[0]  # as written: tokens keep case
        # A real host name (dots) is an address, not a token; slack://T0/B0/XYZ's "host" is one.
        pieces = [host if "." not in host else "", *(unquote(p) for p in parts.path.split("/"))]
        tokens = [p for p in pieces if len(p) >= self.min_token and p != "{to}"]
        return [*super().secrets(), *tokens, self.url]

    def where(self) -> str:
        scheme = urlsplit(self.url).scheme or "?"
        return f"{self.name} (apprise {scheme})"

    def send(self, message: Message) -> None:
        import apprise  # loads ~180 plugins: only when an Apprise channel is used

        url = self.url.replace("{to}", quote(message.to, safe="@"))
        notifier = apprise.Apprise()
        if not notifier.add(url):
            raise DeliveryError(f"{self.where()}: Apprise does not understand this URL")
        title = (
            message.subject
            if "{to}" in self.url or not message.to
            else (f"{message.subject} (for {message.to})")
        )
        body = f"{message.body}\n\nid: {message.key}"
        with apprise.LogCapture(level=apprise.logging.WARNING) as captured:
            ok = notifier.notify(title=title, body=body)
        if not ok:
            lines = [line for line in captured.getvalue().splitlines() if line.strip()]
            reason = lines[-1].split(" - ", 2)[-1] if lines else "no reason given"
            raise DeliveryError(f"{self.where()}: {redact.scrub(reason, self.secrets())}")
