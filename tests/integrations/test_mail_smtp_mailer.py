"""SmtpMailer delivering to the sandbox mailbox, and its errors against refusing relays."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import SecretStr

from landingzone.integrations.base import MailMessage, PermanentError, TransientError
from landingzone.integrations.mail import SmtpConfig, SmtpMailer
from landingzone.sandbox.mailbox import Mailbox, MailboxSettings
from landingzone.sandbox.serving import free_port, serving

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
    return SmtpMailer(SmtpConfig(host="127.0.0.1", port=port, from_address=FROM, timeout_s=5))


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
    config = SmtpConfig(
        host="127.0.0.1",
        port=box.smtp.port,
        from_address=FROM,
        username="lz",
        password=SecretStr("relay-password-123"),
        timeout_s=5,
    )
    with pytest.raises(PermanentError) as error:
        SmtpMailer(config).send(_message())
    assert "relay-password-123" not in str(error.value)
    assert "relay-password-123" not in repr(config)
    assert "extension" in str(error.value)
