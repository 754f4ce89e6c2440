"""BackstagePortal over HTTP, against answers shaped like Backstage's catalog and
notifications APIs (201, 409 ConflictError, 5xx, 429, 401)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from landingzone.integrations.backstage.config import BackstageSettings
from landingzone.integrations.backstage.plugin import BackstagePortal
from landingzone.integrations.base import Notification, PermanentError, TransientError
from tests.support.backstage_stub import BackstageStub, backstage_error, running_backstage_stub

TOKEN = "static-token-for-tests"


@pytest.fixture
def backstage() -> Iterator[BackstageStub]:
    with running_backstage_stub() as server:
        yield server


def portal(server: BackstageStub) -> BackstagePortal:
    return BackstagePortal(BackstageSettings(url=server.url, token=SecretStr(TOKEN)), timeout_s=5)


def test_registers_the_location_with_the_static_token(backstage: BackstageStub) -> None:
    backstage.answers.append((201, {"location": {}, "entities": []}, {}))
    target = "http://bitbucket/projects/LABS/repos/a/browse/catalog-info.yaml?at=refs/heads/main"
    assert portal(backstage).register_component(target) is True
    [received] = backstage.received
    assert received.path == "/api/catalog/locations"
    assert received.authorization == f"Bearer {TOKEN}"
    assert received.body == {"type": "url", "target": target}


def test_a_second_registration_is_harmless(backstage: BackstageStub) -> None:
    backstage.answers.append((409, backstage_error("ConflictError", "already exists"), {}))
    assert portal(backstage).register_component("http://x/catalog-info.yaml") is False


def test_notifies_the_user_entity(backstage: BackstageStub) -> None:
    backstage.answers.append((200, [], {}))
    notification = Notification(
        user_ref="user:default/jane.doe",
        title="Your landing zone a is ready",
        description="repository: http://x",
        link="http://backstage/catalog/default/component/a",
        severity="normal",
        scope="landing-zone:lz_1:completed:0",
    )
    portal(backstage).notify(notification)
    [received] = backstage.received
    assert received.path == "/api/notifications/notifications"
    body = received.body
    assert body["recipients"] == {"type": "entity", "entityRef": "user:default/jane.doe"}
    assert body["payload"]["title"] == "Your landing zone a is ready"
    assert body["payload"]["link"] == "http://backstage/catalog/default/component/a"
    assert body["payload"]["severity"] == "normal"
    assert body["payload"]["scope"] == "landing-zone:lz_1:completed:0"


def test_unavailable_and_throttled_are_transient(backstage: BackstageStub) -> None:
    backstage.answers += [(503, {}, {}), (429, {}, {"Retry-After": "7"})]
    with pytest.raises(TransientError):
        portal(backstage).register_component("http://x/catalog-info.yaml")
    with pytest.raises(TransientError) as throttled:
        portal(backstage).register_component("http://x/catalog-info.yaml")
    assert throttled.value.retry_after == 7


def test_a_refused_token_is_permanent_and_never_echoed(backstage: BackstageStub) -> None:
    backstage.answers.append((401, backstage_error("AuthenticationError", "Illegal token"), {}))
    with pytest.raises(PermanentError) as refused:
        portal(backstage).register_component("http://x/catalog-info.yaml")
    assert "HTTP 401: Illegal token" in str(refused.value)
    assert TOKEN not in str(refused.value)


def test_connection_refused_is_transient() -> None:
    config = BackstageSettings(url="http://127.0.0.1:9", token=SecretStr(TOKEN))
    with pytest.raises(TransientError):
        BackstagePortal(config, timeout_s=2).register_component("http://x/catalog-info.yaml")
