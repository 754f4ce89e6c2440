"""Run every vendor simulator of the sandbox in one process, on the layout's ports."""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from pathlib import Path

from starlette.types import ASGIApp

from landingzone.platform_config import PlatformConfig
from landingzone_sandbox.bitbucket.app import create_app as bitbucket_app
from landingzone_sandbox.bitbucket.settings import BitbucketSimSettings
from landingzone_sandbox.faults import FaultInjector
from landingzone_sandbox.jenkins.app import create_app as jenkins_app
from landingzone_sandbox.jenkins.settings import JenkinsSimSettings
from landingzone_sandbox.layout import (
    APPROVERS,
    GIT_CREDENTIALS_ID,
    SANDBOX_GROUPS,
    SERVICE_USER,
    SandboxLayout,
)
from landingzone_sandbox.mailbox import Mailbox, MailboxSettings
from landingzone_sandbox.platform_repos import LIBRARY_PROJECT
from landingzone_sandbox.servicenow.app import create_app as servicenow_app
from landingzone_sandbox.servicenow.settings import ServiceNowSimSettings
from landingzone_sandbox.serving import BackgroundServer
from landingzone_sandbox.traffic import TrafficMeter


def approval_groups(platform_config: Path) -> tuple[str, ...]:
    """The ServiceNow groups the platform configuration asks approvals of."""
    return PlatformConfig.load(platform_config).approval_groups()


def table_mode_group_field(service: dict[str, str]) -> str | None:
    """For a service in table mode, the instance has the business rule that mode relies on:
    inserting a requested item asks the group named in this field."""
    if service.get("LZ_SERVICENOW_MODE") != "table":
        return None
    return service.get("LZ_SERVICENOW_APPROVAL_GROUP_FIELD") or "assignment_group"


@dataclass(frozen=True)
class Simulators:
    """The sandbox's systems for one layout, not yet listening: each HTTP app behind its fault
    injector, with its port, and the mailbox (its SMTP side starts with `mailbox.start()`)."""

    apps: tuple[tuple[ASGIApp, int], ...]
    mailbox: Mailbox


def build_simulators(layout: SandboxLayout) -> Simulators:
    root = layout.root
    # The configuration the service is given: its tenants' groups must exist in ServiceNow, each
    # with the sandbox's approvers as members.
    service = layout.service_environment()
    platform_config = Path(service["LZ_PLATFORM_CONFIG"])
    bitbucket = BitbucketSimSettings(
        data_dir=root / "bitbucket",
        base_url=layout.url(layout.bitbucket_port),
        users={SERVICE_USER: layout.bitbucket_password},
        groups={group: [SERVICE_USER] for group in SANDBOX_GROUPS},
        projects={"LABS": "Labs", "RETAIL": "Retail Banking", LIBRARY_PROJECT: "Platform"},
    )
    jenkins = JenkinsSimSettings(
        data_dir=root / "jenkins",
        base_url=layout.url(layout.jenkins_port),
        users={SERVICE_USER: layout.jenkins_token},
        git_credentials={GIT_CREDENTIALS_ID: (SERVICE_USER, layout.bitbucket_password)},
        webhook_secret=layout.webhook_secret,
        notify_commit_tokens=(layout.notify_commit_token,),
    )
    servicenow = ServiceNowSimSettings(
        data_dir=root / "servicenow",
        base_url=layout.url(layout.servicenow_port),
        users={SERVICE_USER: layout.servicenow_password, **layout.approver_credentials()},
        groups={group: APPROVERS for group in approval_groups(platform_config)},
        approval_on_insert_field=table_mode_group_field(service),
        callback_url=f"{layout.api_url}/v1/approvals/servicenow",
        callback_secret=layout.callback_secret,
    )
    mailbox = Mailbox(
        MailboxSettings(
            data_dir=root / "mailbox",
            smtp_host=layout.host,
            smtp_port=layout.smtp_port,
            base_url=layout.url(layout.mailbox_port),
        )
    )
    return Simulators(
        apps=(
            (TrafficMeter(FaultInjector(bitbucket_app(bitbucket))), layout.bitbucket_port),
            (TrafficMeter(FaultInjector(jenkins_app(jenkins))), layout.jenkins_port),
            (TrafficMeter(FaultInjector(servicenow_app(servicenow))), layout.servicenow_port),
            (mailbox.app, layout.mailbox_port),
        ),
        mailbox=mailbox,
    )


def start_simulators(layout: SandboxLayout) -> list[BackgroundServer]:
    simulators = build_simulators(layout)
    simulators.mailbox.start()
    servers = [BackgroundServer(app, layout.host, port) for app, port in simulators.apps]
    for server in servers:
        server.start()
    return servers


def run_simulators(data_dir: Path) -> None:
    """Entry point of the simulators process; runs until SIGTERM or SIGINT."""
    layout = SandboxLayout.load(data_dir)
    servers = start_simulators(layout)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    (layout.root / "simulators.ready").write_text("ready\n")
    stop.wait()
    for server in servers:
        server.stop()
