"""Build the vendor adapters from deployment settings; the only place that names vendors."""

from __future__ import annotations

from dataclasses import dataclass

from landingzone.config import Settings
from landingzone.integrations.backstage.config import BackstageConfig
from landingzone.integrations.backstage.plugin import BackstagePortal
from landingzone.integrations.base import (
    ApprovalDesk,
    DeveloperPortal,
    Mailer,
    PipelineServer,
    RepositoryHost,
)
from landingzone.integrations.bitbucket.config import BitbucketConfig
from landingzone.integrations.bitbucket.plugin import BitbucketRepositoryHost
from landingzone.integrations.jenkins.config import JenkinsConfig
from landingzone.integrations.jenkins.plugin import JenkinsPipelineServer
from landingzone.integrations.mail.config import SmtpConfig
from landingzone.integrations.mail.plugin import SmtpMailer
from landingzone.integrations.servicenow.config import ServiceNowConfig
from landingzone.integrations.servicenow.desk import approval_desk


@dataclass(frozen=True)
class Integrations:
    repositories: RepositoryHost
    pipelines: PipelineServer
    approvals: ApprovalDesk
    mailer: Mailer
    portal: DeveloperPortal | None  # None: no Backstage API configured


def build_portal(settings: Settings) -> DeveloperPortal | None:
    if settings.backstage_token is None:
        return None
    return BackstagePortal(
        BackstageConfig(
            url=settings.backstage_url,
            token=settings.backstage_token,
            notifications=settings.backstage_notifications,
            timeout_s=settings.call_timeout_seconds,
        )
    )


def build_integrations(settings: Settings) -> Integrations:
    timeout = settings.call_timeout_seconds
    return Integrations(
        repositories=BitbucketRepositoryHost(
            BitbucketConfig(
                url=settings.bitbucket_url,
                username=settings.bitbucket_username,
                password=settings.bitbucket_password,
                webhook_secret=settings.bitbucket_webhook_secret,
                timeout=timeout,
            )
        ),
        pipelines=JenkinsPipelineServer(
            JenkinsConfig(
                url=settings.jenkins_url,
                username=settings.jenkins_username,
                token=settings.jenkins_token,
                timeout=timeout,
                notify_commit_token=settings.jenkins_notify_commit_token,
            )
        ),
        approvals=approval_desk(
            ServiceNowConfig(
                host=settings.servicenow_host,
                use_ssl=settings.servicenow_use_ssl,
                username=settings.servicenow_username,
                password=settings.servicenow_password,
                mode=settings.servicenow_mode,
                table=settings.servicenow_table,
                timeout_s=timeout,
                approval_group_field=settings.servicenow_approval_group_field,
            )
        ),
        mailer=SmtpMailer(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                starttls=settings.smtp_starttls,
                username=settings.smtp_username,
                password=settings.smtp_password,
                from_address=settings.mail_from,
                timeout_s=timeout,
            )
        ),
        portal=build_portal(settings),
    )
