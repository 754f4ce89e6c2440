"""Build the vendor adapters, each from its own settings; the only place that builds them."""

from __future__ import annotations

from dataclasses import dataclass

from landingzone.config import Settings
from landingzone.integrations.backstage.plugin import BackstagePortal
from landingzone.integrations.base import ApprovalDesk, DeveloperPortal, Mailer, RepositoryHost
from landingzone.integrations.bitbucket.plugin import BitbucketRepositoryHost
from landingzone.integrations.changes import ChangeDesk
from landingzone.integrations.jenkins.plugin import JenkinsPipelineServer
from landingzone.integrations.mail.plugin import SmtpMailer
from landingzone.integrations.pipelines import PipelineServer
from landingzone.integrations.servicenow.change_desk import ServiceNowChangeDesk
from landingzone.integrations.servicenow.desk import approval_desk


@dataclass(frozen=True)
class Integrations:
    repositories: RepositoryHost
    pipelines: PipelineServer
    approvals: ApprovalDesk
    mailer: Mailer
    portal: DeveloperPortal | None  # None: no Backstage API configured
    changes: ChangeDesk


def build_portal(settings: Settings) -> DeveloperPortal | None:
    if settings.backstage.token is None:
        return None
    return BackstagePortal(settings.backstage, timeout_s=settings.call_timeout_seconds)


def build_integrations(settings: Settings) -> Integrations:
    """Each adapter gets its own settings as they are, and the call timeout they all share."""
    timeout_s = settings.call_timeout_seconds
    return Integrations(
        repositories=BitbucketRepositoryHost(settings.bitbucket, timeout_s=timeout_s),
        pipelines=JenkinsPipelineServer(settings.jenkins, timeout_s=timeout_s),
        approvals=approval_desk(settings.servicenow, timeout_s=timeout_s),
        mailer=SmtpMailer(settings.smtp, timeout_s=timeout_s),
        portal=build_portal(settings),
        changes=ServiceNowChangeDesk(settings.servicenow, timeout_s=timeout_s),
    )
