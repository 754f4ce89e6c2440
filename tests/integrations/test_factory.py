"""The adapters built from the environment an operator sets: each gets its own integration's
settings, and every one the shared call timeout."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from landingzone.config import Settings
from landingzone.integrations.base import MailMessage, TransientError
from landingzone.integrations.factory import build_integrations
from landingzone.integrations.servicenow import (
    CatalogApprovalDesk,
    ServiceNowChangeDesk,
    TableApprovalDesk,
)
from tests.support.backstage_stub import running_backstage_stub

TOKEN = "static-token-for-tests"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in [name for name in os.environ if name.startswith("LZ_")]:
        monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_jenkins_links_come_from_its_settings(env: pytest.MonkeyPatch) -> None:
    env.setenv("LZ_JENKINS_URL", "https://jenkins.example.test/ci/")
    env.setenv("LZ_JENKINS_NOTIFY_COMMIT_TOKEN", "n0t1fy-token")
    pipelines = build_integrations(Settings()).pipelines
    clone = "https://bitbucket.example.test/scm/labs/app.git"

    hook = urlsplit(pipelines.push_hook_url(clone))

    assert hook._replace(query="").geturl() == "https://jenkins.example.test/ci/git/notifyCommit"
    assert parse_qs(hook.query) == {"url": [clone], "token": ["n0t1fy-token"]}
    assert pipelines.job_url("labs/app") == "https://jenkins.example.test/ci/job/labs/job/app/"


@pytest.mark.parametrize(
    ("mode", "desk"), [("catalog", CatalogApprovalDesk), ("table", TableApprovalDesk)]
)
def test_the_servicenow_mode_picks_the_desk(
    env: pytest.MonkeyPatch, mode: str, desk: type[object]
) -> None:
    env.setenv("LZ_SERVICENOW_MODE", mode)
    assert type(build_integrations(Settings()).approvals) is desk


def test_changes_go_to_the_servicenow_change_desk(env: pytest.MonkeyPatch) -> None:
    assert type(build_integrations(Settings()).changes) is ServiceNowChangeDesk


def test_backstage_is_reached_only_with_a_token(env: pytest.MonkeyPatch) -> None:
    assert build_integrations(Settings()).portal is None
    env.setenv("LZ_BACKSTAGE_TOKEN", TOKEN)
    env.setenv("LZ_BACKSTAGE_NOTIFICATIONS", "false")
    portal = build_integrations(Settings()).portal
    assert portal is not None
    assert portal.notifications_enabled is False


def test_the_backstage_url_and_token_reach_its_calls(env: pytest.MonkeyPatch) -> None:
    with running_backstage_stub() as backstage:
        env.setenv("LZ_BACKSTAGE_URL", backstage.url + "/")
        env.setenv("LZ_BACKSTAGE_TOKEN", TOKEN)
        portal = build_integrations(Settings()).portal
        assert portal is not None
        backstage.answers.append((201, {"location": {}, "entities": []}, {}))
        assert portal.register_component("http://bitbucket/catalog-info.yaml") is True
        [received] = backstage.received
        assert received.path == "/api/catalog/locations"
        assert received.authorization == f"Bearer {TOKEN}"


def _gives_up_within(seconds: float, call: Callable[[], object]) -> None:
    started = time.monotonic()
    with pytest.raises(TransientError):
        call()
    assert time.monotonic() - started < seconds


def test_the_call_timeout_bounds_backstage_and_smtp_calls(
    env: pytest.MonkeyPatch, silent_port: int
) -> None:
    env.setenv("LZ_CALL_TIMEOUT_SECONDS", "0.5")
    env.setenv("LZ_BACKSTAGE_URL", f"http://127.0.0.1:{silent_port}")
    env.setenv("LZ_BACKSTAGE_TOKEN", TOKEN)
    env.setenv("LZ_SMTP_PORT", str(silent_port))
    integrations = build_integrations(Settings())
    portal = integrations.portal
    assert portal is not None
    message = MailMessage("lz_0001.ready", ["jane@example.test"], "Ready", "text", "<p>html</p>")

    _gives_up_within(5, lambda: portal.register_component("http://x/catalog-info.yaml"))
    _gives_up_within(5, lambda: integrations.mailer.send(message))
