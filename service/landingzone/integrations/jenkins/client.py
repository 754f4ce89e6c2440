"""The python-jenkins client the adapter talks through."""

from __future__ import annotations

import jenkins

from .config import JenkinsSettings


def connect(config: JenkinsSettings, timeout_s: float) -> jenkins.Jenkins:
    """A client with preemptive Basic auth; it fetches a CSRF crumb before its first call."""
    return jenkins.Jenkins(
        config.url,
        username=config.username,
        password=config.token.get_secret_value(),
        timeout=timeout_s,
    )
