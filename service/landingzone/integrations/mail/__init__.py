"""Mail: landing-zone notifications sent over SMTP."""

from landingzone.integrations.mail.config import SmtpSettings
from landingzone.integrations.mail.plugin import SmtpMailer

__all__ = ["SmtpMailer", "SmtpSettings"]
