"""SmtpMailer delivering to the sandbox mailbox, and its errors against refusing relays."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import SecretStr

from landingzone.integrations.base import MailMessage, PermanentError, TransientError
from landingzone.integrations.mail import SmtpMailer, SmtpSettings
from tests.support.simulators import Mailbox, MailboxSettings, free_port, serving

FROM = "Landing Zone <landing-zone@example.com>"


def _message(**overrides: Any) -> MailMessage:
    values: dict[str, Any] = {
        "message_id": "lz-0001.ready",
        "to": ["dev@example.com"],
        "subject": "payments-api is ready",
        "text": "Repository: http://bb/projects/RETAIL/repos/payments-api\n",
        "html": '<p>Repository: <a href="http://bb/projects/RETAIL/repos/payments-api">link</a></p>',
    }
    return MailMessage(**(values | overrides))


def _mailer(port: int) -> SmtpMailer:
    return SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, from_address=FROM), timeout_s=5)


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[tuple[Mailbox, str]]:
    box = Mailbox(MailboxSettings(data_dir=tmp_path)).start()
    try:
        with serving(box.app) as server:
            yield box, server.url
    finally:
        box.stop()


def test_sent_mail_arrives_with_both_parts_and_a_deterministic_message_id(
    mailbox: tuple[Mailbox, str],
) -> None:
    box, url = mailbox
    _mailer(box.smtp.port).send(_message())

    [summary] = httpx.get(f"{url}/api/v1/messages").json()["messages"]
    message = httpx.get(f"{url}/api/v1/message/{summary['ID']}").json()
    assert message["MessageID"] == "lz-0001.ready@example.com"
    assert message["From"] == {"Name": "Landing Zone", "Address": "landing-zone@example.com"}
    assert message["To"] == [{"Name": "", "Address": "dev@example.com"}]
    assert message["Subject"] == "payments-api is ready"
    assert message["Text"] == "Repository: http://bb/projects/RETAIL/repos/payments-api\n"
    assert 'href="http://bb/projects/RETAIL/repos/payments-api"' in message["HTML"]


def test_a_message_id_with_a_domain_is_kept_and_subject_lines_cannot_break_headers(
    mailbox: tuple[Mailbox, str],
) -> None:
    box, url = mailbox
    _mailer(box.smtp.port).send(
        _message(message_id="<lz-2@lz.example.org>", subject="ready\r\nBcc: victim@example.com")
    )

    [summary] = httpx.get(f"{url}/api/v1/messages").json()["messages"]
    assert summary["MessageID"] == "lz-2@lz.example.org"
    assert summary["Subject"] == "ready Bcc: victim@example.com"
    assert summary["Bcc"] == []


def test_a_recipient_that_is_not_one_address_is_refused_before_sending(
    mailbox: tuple[Mailbox, str],
) -> None:
    box, url = mailbox
    with pytest.raises(PermanentError):
        _mailer(box.smtp.port).send(_message(to=["dev@example.com>\r\nRCPT TO:<x@evil.test"]))
    with pytest.raises(PermanentError):
        _mailer(box.smtp.port).send(_message(to=[]))
    assert httpx.get(f"{url}/api/v1/messages").json()["total"] == 0


class _RefusingRelay:
    def __init__(self, reply: str) -> None:
        self.reply = reply

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        return self.reply


@pytest.fixture
def refusing_relay(request: pytest.FixtureRequest) -> Iterator[int]:
    port = free_port()
    controller = Controller(_RefusingRelay(request.param), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.mark.parametrize("refusing_relay", ["550 5.1.1 No such user"], indirect=True)
def test_a_permanent_recipient_refusal_is_permanent(refusing_relay: int) -> None:
    with pytest.raises(PermanentError) as error:
        _mailer(refusing_relay).send(_message())
    assert error.value.system == "mail" and "550" in str(error.value)


@pytest.mark.parametrize("refusing_relay", ["451 4.3.0 Try again later"], indirect=True)
def test_a_temporary_refusal_is_transient(refusing_relay: int) -> None:
    with pytest.raises(TransientError) as error:
        _mailer(refusing_relay).send(_message())
    assert "451" in str(error.value)


def test_an_unreachable_relay_is_transient() -> None:
    with pytest.raises(TransientError) as error:
        _mailer(free_port()).send(_message())
    assert error.value.system == "mail"


def test_credentials_for_a_relay_without_auth_are_permanent_and_never_echoed(
    mailbox: tuple[Mailbox, str],
) -> None:
    box, _ = mailbox
    config = SmtpSettings(
        host="127.0.0.1",
        port=box.smtp.port,
        from_address=FROM,
        username="lz",
        password=SecretStr("relay-password-123"),
    )
    with pytest.raises(PermanentError) as error:
        SmtpMailer(config, timeout_s=5).send(_message())
    assert "relay-password-123" not in str(error.value)
    assert "relay-password-123" not in repr(config)
    assert "extension" in str(error.value)


class _ScriptedRelay:
    """A relay on a raw socket that answers each SMTP verb as scripted; None hangs up."""

    def __init__(self, greeting: str | None, replies: dict[str, str | None]) -> None:
        self.greeting = greeting
        defaults: dict[str, str | None] = {"EHLO": "250 relay", "MAIL": "250 ok", "RCPT": "250 ok"}
        self.replies = defaults | replies
        self.accepted: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with self._listener, contextlib.suppress(OSError):
            connection, _ = self._listener.accept()
            with connection, connection.makefile("rb") as lines:
                self._converse(connection, lines)

    def _converse(self, connection: socket.socket, lines: Any) -> None:
        if self.greeting is None:
            return
        connection.sendall(f"{self.greeting}\r\n".encode())
        for line in lines:
            verb = line.decode().split(" ", 1)[0].split(":", 1)[0].strip().upper()
            reply = self.replies.get(verb, "250 ok")
            if verb == "DATA" and reply is not None and reply.startswith("354"):
                connection.sendall(b"354 go ahead\r\n")
                body = b"".join(iter(lambda: lines.readline(), b".\r\n"))
                reply = self.replies.get("END", "250 queued")
                if reply is not None and reply.startswith("250"):
                    self.accepted.append(body)
            if reply is None:
                return
            connection.sendall(f"{reply}\r\n".encode())


@pytest.mark.parametrize(
    ("greeting", "replies", "kind", "code"),
    [
        ("421 4.3.2 Too many connections", {}, TransientError, "421"),
        ("554 5.7.1 You are not welcome", {}, PermanentError, "554"),
        ("220 relay", {"MAIL": None}, TransientError, ""),  # drops the connection
        ("220 relay", {"DATA": "354", "END": "452 4.3.1 Mailbox full"}, TransientError, "452"),
        ("220 relay", {"DATA": "354", "END": "554 5.6.0 Content refused"}, PermanentError, "554"),
        (None, {}, TransientError, ""),  # accepts the connection, then hangs up
    ],
)
def test_relay_replies_map_to_transient_and_permanent_errors(
    greeting: str | None, replies: dict[str, str | None], kind: type[Exception], code: str
) -> None:
    relay = _ScriptedRelay(greeting, replies)
    with pytest.raises(kind) as error:
        _mailer(relay.port).send(_message())
    assert code in str(error.value)
    assert relay.accepted == []


def test_a_relay_that_fails_the_goodbye_after_accepting_the_message_is_a_success() -> None:
    relay = _ScriptedRelay("220 relay", {"DATA": "354", "QUIT": "421 4.4.2 Timeout"})

    _mailer(relay.port).send(_message())

    [body] = relay.accepted
    assert b"Subject: payments-api is ready" in body
