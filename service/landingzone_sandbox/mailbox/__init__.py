"""Sandbox mailbox: a real SMTP server that keeps what it receives, shown Mailpit-style."""

from landingzone_sandbox.mailbox.app import Mailbox, create_app
from landingzone_sandbox.mailbox.faults import SmtpFaultRule, SmtpFaults
from landingzone_sandbox.mailbox.settings import MailboxSettings
from landingzone_sandbox.mailbox.smtp import MailboxSmtpServer
from landingzone_sandbox.mailbox.store import MessageStore

__all__ = [
    "Mailbox",
    "MailboxSettings",
    "MailboxSmtpServer",
    "MessageStore",
    "SmtpFaultRule",
    "SmtpFaults",
    "create_app",
]
