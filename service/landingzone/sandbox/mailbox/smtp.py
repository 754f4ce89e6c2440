"""The SMTP side of the mailbox: aiosmtpd on its own thread, storing every message it accepts."""

from __future__ import annotations

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from landingzone.sandbox.mailbox.settings import MailboxSettings
from landingzone.sandbox.mailbox.store import MessageStore
from landingzone.sandbox.serving import free_port


class _StoringHandler:
    def __init__(self, store: MessageStore) -> None:
        self._store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        self._store.add(raw, envelope.mail_from or "", envelope.rcpt_tos)
        return "250 Message accepted for delivery"


class MailboxSmtpServer:
    """`start()` returns once the server accepts connections; `port` is the port it took."""

    def __init__(self, settings: MailboxSettings, store: MessageStore) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port or free_port(settings.smtp_host)
        self._controller = Controller(
            _StoringHandler(store), hostname=self.host, port=self.port, ready_timeout=10
        )
        self._running = False

    def start(self) -> MailboxSmtpServer:
        if not self._running:
            self._controller.start()
            self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._controller.stop()
            self._running = False
