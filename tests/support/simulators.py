"""The simulators that product tests run the real adapters against, one at a time.

Product tests reach the sandbox package through the test harness only (this module and
tests/support/sandbox.py); tests/test_package_boundaries.py holds them to it.
"""

from landingzone_sandbox.bitbucket import BitbucketSimSettings
from landingzone_sandbox.bitbucket import create_app as bitbucket_app
from landingzone_sandbox.faults import FaultInjector, FaultRule
from landingzone_sandbox.jenkins import JenkinsSimSettings
from landingzone_sandbox.jenkins import create_app as jenkins_app
from landingzone_sandbox.jenkins.store import folder_secret as jenkins_folder_secret
from landingzone_sandbox.layout import SandboxLayout, write_description
from landingzone_sandbox.mailbox import Mailbox, MailboxSettings
from landingzone_sandbox.servicenow import ServiceNowSimSettings
from landingzone_sandbox.servicenow import create_app as servicenow_app
from landingzone_sandbox.serving import BackgroundServer, free_port, serving

__all__ = [
    "BackgroundServer",
    "BitbucketSimSettings",
    "FaultInjector",
    "FaultRule",
    "JenkinsSimSettings",
    "Mailbox",
    "MailboxSettings",
    "SandboxLayout",
    "ServiceNowSimSettings",
    "bitbucket_app",
    "free_port",
    "jenkins_app",
    "jenkins_folder_secret",
    "servicenow_app",
    "serving",
    "write_description",
]
