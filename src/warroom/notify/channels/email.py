"""The ``email`` channel: SMTP. ``url: smtp://user:password@host:port`` (or ``smtps://``);
options ``from`` and ``starttls``. The Message-ID derives from the idempotency key, so a
repeat after a crash can be recognised by the receiving side."""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from warroom.errors import DeliveryError
from warroom.notify.channels.base import Channel, Message


class EmailChannel(Channel):
    type = "email"

    def send(self, message: Message) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise DeliveryError(f"channel {self.name}: url must be smtp://host:port or smtps://")
        mail = EmailMessage()
        mail["From"] = str(self.config.options.get("from", "warroom@localhost"))
        mail["To"] = message.to or (self.config.to or "")
        mail["Subject"] = message.subject
        mail["Message-ID"] = f"<{re.sub(r'[^A-Za-z0-9.-]', '.', message.key)}@warroom>"
        mail["Idempotency-Key"] = message.key
        mail.set_content(message.body)
        if not mail["To"]:
            raise DeliveryError(f"channel {self.name}: no recipient address")
        smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
        try:
            with smtp_class(parts.hostname, parts.port or 0, timeout=self.timeout) as smtp:
                if self.config.options.get("starttls"):
                    smtp.starttls()
                if parts.username:
                    smtp.login(unquote(parts.username), unquote(parts.password or ""))
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"{self.where()}: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    """What the server said (code and text), never the credentials we sent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        said = [
            f"{to}: {code} {text.decode(errors='replace')}"
            for to, (code, text) in exc.recipients.items()
        ]
        return f"recipient refused ({'; '.join(said)})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return f"{type(exc).__name__} {exc.smtp_code} {text}".strip()
    return type(exc).__name__
