"""SmtpMailer: the Mailer capability over SMTP."""

from __future__ import annotations

import logging

from landingzone.integrations.base import MailMessage
from landingzone.integrations.mail.client import build_email, deliver, envelope_recipients
from landingzone.integrations.mail.config import SmtpSettings

logger = logging.getLogger(__name__)


class SmtpMailer:
    def __init__(self, config: SmtpSettings, *, timeout_s: float) -> None:
        self._config = config
        self._timeout_s = timeout_s

    def send(self, message: MailMessage) -> None:
        email = build_email(message, self._config)
        refused = deliver(self._config, email, envelope_recipients(message), self._timeout_s)
        if refused:
            # The others have the message already: sending again would duplicate it for them.
            logger.warning(
                "mail %s not accepted for %d recipient(s): %s",
                email["Message-ID"],
                len(refused),
                ", ".join(sorted(refused.values())),
            )
