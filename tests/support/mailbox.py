"""A real SMTP server on loopback (aiosmtpd) that records mail and can refuse recipients."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


@dataclass
class Mailbox:
    port: int
    user: str = "pager"
    password: str = "smtp-pa55word"
    refuse: bool = False
    mails: list[Message] = field(default_factory=list)

    def start(self) -> str:
        """Start the server; the URL a channel uses (with credentials)."""
        owner = self

        class Handler:
            async def handle_RCPT(  # noqa: N802 (aiosmtpd's naming)
                self, server: Any, session: Session, envelope: Envelope, address: str, _: Any
            ) -> str:
                if owner.refuse:
                    return "550 5.1.1 mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(  # noqa: N802
                self, server: Any, session: Session, envelope: Envelope
            ) -> str:
                assert isinstance(envelope.content, bytes)
                owner.mails.append(message_from_bytes(envelope.content))
                return "250 Message accepted"

        def authenticate(
            server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
        ) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (
                data.login.decode(),
                data.password.decode(),
            ) == (owner.user, owner.password)
            return AuthResult(success=ok)

        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticate,
            auth_require_tls=False,
        )
        self.controller.start()
        return f"smtp://{self.user}:{self.password}@127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.controller.stop()
