"""Sandbox mailbox: a real SMTP server that keeps what it receives, shown Mailpit-style."""

from landingzone.sandbox.mailbox.app import Mailbox, create_app
from landingzone.sandbox.mailbox.faults import SmtpFaultRule, SmtpFaults
from landingzone.sandbox.mailbox.settings import MailboxSettings
from landingzone.sandbox.mailbox.smtp import MailboxSmtpServer
from landingzone.sandbox.mailbox.store import MessageStore

__all__ = [
    "Mailbox",
    "MailboxSettings",
    "MailboxSmtpServer",
    "MessageStore",
    "SmtpFaultRule",
    "SmtpFaults",
    "create_app",
]
