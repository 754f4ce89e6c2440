"""After the outcome, Backstage hears of it: the service registers the new component and
notifies the requester, and a Backstage that refuses or is down never fails a landing zone.

The service runs in the sandbox against a local stand-in for Backstage's HTTP API, so that
refusals and outages can be produced; tests/e2e_backstage does it against a real Backstage.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backstage_stub import BackstageStub, backstage_error, running_backstage_stub
from tests.support.clients import decide
from tests.support.sandbox import Sandbox, request_body, running_sandbox, wait_for

pytestmark = pytest.mark.e2e

TOKEN = "backstage-static-token-for-the-service"
JANE = "user:default/jane.doe"


@pytest.fixture(scope="module")
def backstage() -> Iterator[BackstageStub]:
    with running_backstage_stub() as stub:
        yield stub


@pytest.fixture(scope="module")
def portal_sandbox(
    backstage: BackstageStub, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sandbox]:
    data: Path = tmp_path_factory.mktemp("portal-sandbox")
    settings = {"LZ_BACKSTAGE_URL": backstage.url, "LZ_BACKSTAGE_TOKEN": TOKEN}
    with running_sandbox(data, settings=settings) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _answers_reset(backstage: BackstageStub) -> None:
    backstage.answers.clear()
    backstage.default = (201, {}, {})


def _messages(sandbox: Sandbox, landing_zone_id: str) -> list[str]:
    return [str(event["message"]) for event in sandbox.events(landing_zone_id)]


def _notices_for(backstage: BackstageStub, name: str) -> list[dict[str, object]]:
    sent = backstage.to("/api/notifications/notifications")
    return [r.body for r in sent if name in str(r.body["payload"]["title"])]


def test_a_completed_landing_zone_is_registered_and_its_requester_notified(
    portal_sandbox: Sandbox, backstage: BackstageStub
) -> None:
    body = request_body("portal-one", on_behalf_of=JANE)
    done = portal_sandbox.wait_status(portal_sandbox.create(body)["id"], {"completed", "failed"})

    assert done["status"] == "completed", done["error"]
    registered = [r for r in backstage.to("/api/catalog/locations") if "portal-one" in str(r.body)]
    location = {"type": "url", "target": done["links"]["catalog_info"]}
    assert [r.body for r in registered] == [location]
    assert registered[0].authorization == f"Bearer {TOKEN}"
    [notice] = _notices_for(backstage, "portal-one")
    assert notice["recipients"] == {"type": "entity", "entityRef": JANE}
    assert notice["payload"] == {
        "title": "Your landing zone portal-one is ready",
        "description": notice["payload"]["description"],  # type: ignore[index]
        "link": done["links"]["catalog_entity"],
        "severity": "normal",
        "topic": "landing-zone",
        "scope": f"landing-zone:{done['id']}:completed:0",
    }
    assert done["links"]["build_pipeline"] in str(notice["payload"])
    messages = _messages(portal_sandbox, done["id"])
    assert any("registered in the Backstage catalog" in m for m in messages), messages
    sent = [e for e in portal_sandbox.events(done["id"]) if "notification sent" in e["message"]]
    assert [e["data"]["recipient"] for e in sent] == [JANE], messages
    assert TOKEN not in str(portal_sandbox.events(done["id"]))


def test_an_already_registered_location_is_success(
    portal_sandbox: Sandbox, backstage: BackstageStub
) -> None:
    backstage.default = (409, backstage_error("ConflictError", "Location already exists"), {})
    body = request_body("portal-two", on_behalf_of=JANE)
    done = portal_sandbox.wait_status(portal_sandbox.create(body)["id"], {"completed", "failed"})

    assert done["status"] == "completed", done["error"]
    messages = _messages(portal_sandbox, done["id"])
    assert any("already in the Backstage catalog" in m for m in messages), messages


def test_a_backstage_that_refuses_never_fails_the_landing_zone(
    portal_sandbox: Sandbox, backstage: BackstageStub
) -> None:
    backstage.default = (401, backstage_error("AuthenticationError", "Illegal token"), {})
    body = request_body("portal-three", on_behalf_of=JANE)
    done = portal_sandbox.wait_status(portal_sandbox.create(body)["id"], {"completed", "failed"})

    assert done["status"] == "completed", done["error"]
    messages = _messages(portal_sandbox, done["id"])
    assert any("catalog: not registered: backstage:" in m and "HTTP 401" in m for m in messages)
    assert any("Backstage notification not sent" in m for m in messages), messages


def test_a_backstage_outage_is_waited_out(
    portal_sandbox: Sandbox, backstage: BackstageStub
) -> None:
    backstage.answers += [(503, {}, {}), (503, {}, {})]
    body = request_body("portal-four", on_behalf_of=JANE)
    done = portal_sandbox.wait_status(portal_sandbox.create(body)["id"], {"completed", "failed"})

    assert done["status"] == "completed", done["error"]
    messages = _messages(portal_sandbox, done["id"])
    assert any("registered in the Backstage catalog" in m for m in messages), messages
    assert any("waiting for backstage" in m for m in messages), messages


def test_a_rejection_is_a_notification_too(
    portal_sandbox: Sandbox, backstage: BackstageStub
) -> None:
    body = request_body("portal-five", tenant="retail", on_behalf_of=JANE)
    accepted = portal_sandbox.create(body)
    portal_sandbox.wait_status(accepted["id"], {"pending_approval"})
    decide(portal_sandbox, accepted["id"], "rejected")
    done = portal_sandbox.wait_status(accepted["id"], {"rejected", "completed", "failed"})

    assert done["status"] == "rejected"
    [notice] = wait_for(lambda: _notices_for(backstage, "portal-five"), "the notification")
    assert notice["payload"]["title"] == "Your landing zone portal-five was not approved"  # type: ignore[index]
    assert notice["payload"]["severity"] == "high"  # type: ignore[index]
    assert notice["payload"]["link"] == done["links"]["approval"]  # type: ignore[index]
    assert not [r for r in backstage.to("/api/catalog/locations") if "portal-five" in str(r.body)]


def test_without_a_backstage_user_there_is_no_notification(
    portal_sandbox: Sandbox, backstage: BackstageStub
) -> None:
    done = portal_sandbox.wait_status(
        portal_sandbox.create(request_body("portal-six"))["id"], {"completed", "failed"}
    )

    assert done["status"] == "completed", done["error"]
    assert _notices_for(backstage, "portal-six") == []
    messages = _messages(portal_sandbox, done["id"])
    assert any("the request names no Backstage user" in m for m in messages), messages


def test_the_backstage_token_is_in_no_log_event_answer_or_database(
    portal_sandbox: Sandbox,
) -> None:
    with portal_sandbox.api() as client:
        listing = client.get("/v1/landing-zones", params={"limit": 200})
        events = [
            client.get(f"/v1/landing-zones/{item['id']}/events").text
            for item in listing.json()["items"]
        ]
    logs = [p.read_text(errors="replace") for p in (portal_sandbox.data_dir / "logs").glob("*")]
    database = [
        p.read_bytes().decode("latin-1")
        for p in (portal_sandbox.data_dir / "service").glob("*.sqlite*")
    ]
    assert events and logs and database
    for text in [listing.text, *events, *logs, *database]:
        assert TOKEN not in text


def test_without_backstage_configured_the_landing_zone_says_so(sandbox: Sandbox) -> None:
    body = request_body("portal-none", on_behalf_of=JANE)
    done = sandbox.wait_status(sandbox.create(body)["id"], {"completed", "failed"})

    assert done["status"] == "completed", done["error"]
    messages = _messages(sandbox, done["id"])
    assert "catalog: no Backstage API configured; not registered" in messages, messages
    assert "notify: no Backstage notification: no Backstage API configured" in messages
