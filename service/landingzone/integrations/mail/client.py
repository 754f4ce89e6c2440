"""Builds the MIME message and hands it to the relay with smtplib."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from landingzone.integrations.base import MailMessage, PermanentError, TransientError
from landingzone.integrations.mail.config import SmtpSettings

SYSTEM = "mail"


def message_id_header(message_id: str, sender_domain: str) -> str:
    """`<local@domain>`: the landing zone's deterministic id, completed if it has no domain."""
    bare = message_id.strip().strip("<>")
    if not bare or any(c in bare for c in "<>\r\n \t"):
        raise PermanentError(SYSTEM, "message id is not usable in a Message-ID header")
    return f"<{bare}>" if "@" in bare else f"<{bare}@{sender_domain}>"


def envelope_recipients(message: MailMessage) -> list[str]:
    """The bare addresses for RCPT TO; refuses anything that is not one address."""
    if not message.to:
        raise PermanentError(SYSTEM, "message has no recipient")
    addresses = []
    for recipient in message.to:
        _, address = parseaddr(recipient)
        local, at, domain = address.rpartition("@")
        broken = "\r" in recipient or "\n" in recipient or any(c.isspace() for c in address)
        if broken or not (local and at and domain):
            raise PermanentError(SYSTEM, "recipient is not an email address")
        addresses.append(address)
    return addresses


def build_email(message: MailMessage, config: SmtpSettings) -> EmailMessage:
    envelope_recipients(message)
    email = EmailMessage()
    try:
        email["From"] = config.sender
        email["To"] = ", ".join(message.to)
        email["Subject"] = " ".join(message.subject.split())
    except (ValueError, IndexError) as error:
        raise PermanentError(SYSTEM, f"invalid header: {error}") from None
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = message_id_header(message.message_id, config.sender.domain)
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    return email


def _code_error(action: str, code: int, detail: bytes | str) -> Exception:
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else detail
    message = f"{action}: SMTP {code} {text[:200]}".rstrip()
    return PermanentError(SYSTEM, message) if code >= 500 else TransientError(SYSTEM, message)


@contextmanager
def translated_errors() -> Iterator[None]:
    try:
        yield
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        permanent = all(code >= 500 for code in codes)
        kind = PermanentError if permanent else TransientError
        raise kind(SYSTEM, f"recipients refused: SMTP {sorted(set(codes))}") from None
    except smtplib.SMTPAuthenticationError as error:
        raise _code_error("authentication", error.smtp_code, error.smtp_error) from None
    except smtplib.SMTPResponseException as error:  # sender refused, data refused, ...
        raise _code_error("send", error.smtp_code, error.smtp_error) from None
    except smtplib.SMTPNotSupportedError as error:
        raise PermanentError(SYSTEM, f"relay lacks a required extension: {error}") from None
    except (smtplib.SMTPException, OSError) as error:  # disconnects, timeouts, refused ports
        raise TransientError(SYSTEM, f"cannot deliver: {type(error).__name__}") from None


def deliver(
    config: SmtpSettings, email: EmailMessage, recipients: Sequence[str], timeout_s: float
) -> dict[str, str]:
    """Sends `email`; returns the recipients the relay refused while accepting others."""
    with translated_errors():
        smtp = smtplib.SMTP(config.host, config.port, timeout=timeout_s)
        try:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username and config.password is not None:
                smtp.login(config.username, config.password.get_secret_value())
            refused = smtp.send_message(
                email, from_addr=config.sender_address, to_addrs=list(recipients)
            )
        except BaseException:
            smtp.close()
            raise
    _quit(smtp)
    return {address: f"{code}" for address, (code, _) in refused.items()}


def _quit(smtp: smtplib.SMTP) -> None:
    # The relay has accepted the message: a failed goodbye must not make the caller send again.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
