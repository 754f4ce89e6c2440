"""The SMTP side of the mailbox: aiosmtpd on its own thread, storing every message it accepts.

Faults (see `mailbox.faults`) are applied before each command runs, and at the greeting for
`CONNECT` and the outage switch; with no fault set the server is plain aiosmtpd.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, AnyStr

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from landingzone_sandbox.mailbox.faults import CONNECT, SmtpFaults
from landingzone_sandbox.mailbox.settings import MailboxSettings
from landingzone_sandbox.mailbox.store import MessageStore
from landingzone_sandbox.serving import free_port
from landingzone_sandbox.traffic import Traffic

ACCEPTED = "250 Message accepted for delivery"
UNAVAILABLE = "421 4.3.2 Service not available"


class _StoringHandler:
    def __init__(self, store: MessageStore, faults: SmtpFaults) -> None:
        self._store = store
        self._faults = faults

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        self._store.add(raw, envelope.mail_from or "", envelope.rcpt_tos)
        rule = self._faults.take("DATA", after_effect=True)
        if rule is None:
            return ACCEPTED
        if rule.delay_seconds:
            await asyncio.sleep(rule.delay_seconds)
        if rule.drop and server.transport is not None:
            server.transport.close()  # the reply aiosmtpd pushes next goes nowhere
        return rule.reply or ACCEPTED


class _FaultySMTP(SMTP):
    def __init__(
        self, handler: _StoringHandler, faults: SmtpFaults, traffic: Traffic, **options: Any
    ) -> None:
        super().__init__(handler, **options)
        self._faults = faults
        self._traffic = traffic
        self._smtp_methods = {
            command: self._with_faults(command, method)
            for command, method in self._smtp_methods.items()
        }

    def _with_faults(
        self, command: str, method: Callable[[str | None], Awaitable[None]]
    ) -> Callable[[str | None], Awaitable[None]]:
        async def run(arg: str | None) -> None:
            if not await self._fault(command):
                await method(arg)

        # aiosmtpd's HELP reads its texts from attributes of the command's function.
        return functools.update_wrapper(run, getattr(method, "__func__", method))

    async def _handle_client(self) -> None:
        seq, started = self._traffic.started()
        try:
            if not await self._fault(CONNECT):
                await super()._handle_client()
        finally:
            self._traffic.finished(seq, started, "SMTP", "session", 0)

    async def _fault(self, command: str) -> bool:
        """Apply the outage or the first rule for `command`; True when it must not run."""
        outage = self._faults.outage.current()
        if outage is not None:
            if outage.mode == "slow":
                await self._faults.outage.sleep(outage)
                return False
            if outage.mode == "unavailable":
                await self.push(UNAVAILABLE)
            else:
                # A close, not a TCP reset: an RST this early can beat the client's own
                # connect() and surface as a bare ConnectionResetError instead of a lost session.
                self._close()
            return True
        rule = self._faults.take(command)
        if rule is None:
            return False
        if rule.delay_seconds:
            await asyncio.sleep(rule.delay_seconds)
        if rule.drop:
            self._close()
        elif rule.reply is not None:
            await self.push(rule.reply)
            if command == CONNECT:
                self._close()
        return rule.drop or rule.reply is not None

    async def push(self, status: AnyStr) -> None:
        await super().push(status)
        text = status.decode("ascii", "replace") if isinstance(status, bytes) else status
        if text.startswith("421"):
            self._close()  # RFC 5321 3.8: 421 announces that the server closes the channel

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class _FaultyController(Controller):
    def __init__(
        self, handler: _StoringHandler, faults: SmtpFaults, traffic: Traffic, **options: Any
    ) -> None:
        super().__init__(handler, **options)
        self._faults = faults
        self._traffic = traffic

    def factory(self) -> SMTP:
        return _FaultySMTP(self.handler, self._faults, self._traffic, **self.SMTP_kwargs)


class MailboxSmtpServer:
    """`start()` returns once the server accepts connections; `port` is the port it took;
    `traffic` counts its sessions."""

    def __init__(
        self,
        settings: MailboxSettings,
        store: MessageStore,
        faults: SmtpFaults | None = None,
        traffic: Traffic | None = None,
    ) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port or free_port(settings.smtp_host)
        self.faults = faults or SmtpFaults()
        self.traffic = traffic or Traffic()
        self._controller = _FaultyController(
            _StoringHandler(store, self.faults),
            self.faults,
            self.traffic,
            hostname=self.host,
            port=self.port,
            ready_timeout=10,
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
