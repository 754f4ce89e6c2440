"""The audit trail of whole landing zones, in one process: every actor in order, kept across a
restart; an approval the requester gives themselves refused; no personal data in ordinary logs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from landingzone.api.callers import Caller
from tests.support.callers import BACKSTAGE, OPERATOR, configured, on_behalf_of
from tests.support.clients import decide, records, requested_items, servicenow
from tests.support.in_process import (
    InProcessService,
    service_environment,
    simulated_systems,
    started_service,
)
from tests.support.sandbox import TERMINAL, request_body, wait_for

TOKENS = {
    "backstage-token-of-the-service": Caller("backstage", BACKSTAGE),
    "operator-token-of-the-service": Caller("operator", OPERATOR),
}
BACKSTAGE_TOKEN, OPERATOR_TOKEN = TOKENS
JANE = "user:default/jane.doe"
AS_JANE = on_behalf_of(JANE, "group:default/payments")
CAB_APPROVER, JANE_AS_APPROVER = 1, 3  # their places in sandbox.json's approvers


@pytest.fixture(scope="module")
def systems(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The simulated systems and the settings the service starts against them with."""
    with simulated_systems(tmp_path_factory.mktemp("audit")) as layout:
        environment = service_environment(layout, configured(TOKENS))
        yield {"layout": layout, "environment": environment}


@pytest.fixture
def service(systems: dict[str, Any]) -> Iterator[InProcessService]:
    with started_service(systems["layout"], systems["environment"]) as running:
        yield running


def call(
    service: InProcessService, method: str, path: str, token: str, **kwargs: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    answer: httpx.Response = service.client.request(method, path, headers=headers, **kwargs)
    return answer


def request_as_jane(service: InProcessService, name: str) -> str:
    body = request_body(name, tenant="retail")
    answer = call(service, "POST", "/v1/landing-zones", BACKSTAGE_TOKEN, json=body, headers=AS_JANE)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def view(service: InProcessService, landing_zone_id: str) -> dict[str, Any]:
    answer = call(service, "GET", f"/v1/landing-zones/{landing_zone_id}", OPERATOR_TOKEN)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def reaching(service: InProcessService, landing_zone_id: str, statuses: set[str]) -> Any:
    def reached() -> dict[str, Any] | None:
        current = view(service, landing_zone_id)
        return current if current["status"] in statuses else None

    return wait_for(reached, f"{landing_zone_id} to reach {statuses}", timeout=60)


def trail(service: InProcessService, landing_zone_id: str) -> list[dict[str, Any]]:
    answer = call(
        service, "GET", "/v1/audit", OPERATOR_TOKEN, params={"landing_zone_id": landing_zone_id}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_the_trail_names_each_actor_in_order_and_survives_a_restart(
    systems: dict[str, Any],
) -> None:
    with started_service(systems["layout"], systems["environment"]) as service:
        landing_zone_id = request_as_jane(service, "audited-one")
        reaching(service, landing_zone_id, {"pending_approval"})
        bitbucket = service.url("bitbucket")
        httpx.post(f"{bitbucket}/_sandbox/outage", json={"seconds": 120}, timeout=10)
        try:
            decide(service, landing_zone_id, "approved", nth=CAB_APPROVER)
            wait_for(lambda: view(service, landing_zone_id)["waiting"], "a wait for bitbucket")
            for action in ("retry", "cancel"):
                path = f"/v1/landing-zones/{landing_zone_id}/{action}"
                answer = call(service, "POST", path, OPERATOR_TOKEN)
                assert answer.status_code == 202, answer.text
        finally:
            httpx.delete(f"{bitbucket}/_sandbox/outage", timeout=10)
        assert reaching(service, landing_zone_id, TERMINAL)["status"] == "cancelled"
        before = trail(service, landing_zone_id)

    assert [(e["action"], e["outcome"], e["actor"]) for e in before] == [
        ("requested", "accepted", f"backstage for {JANE}"),
        ("approved", "approved", "servicenow:cab.approver"),
        ("retried", "accepted", "operator"),
        ("cancelled", "accepted", "operator"),
    ]
    assert before[1]["detail"]["decided_by"] == [
        {"user_name": "cab.approver", "name": "Cab Approver"}
    ]
    assert before[2]["detail"]["kind"] == "now"
    assert [e["at"] for e in before] == sorted(e["at"] for e in before)
    with started_service(systems["layout"], systems["environment"]) as restarted:
        assert trail(restarted, landing_zone_id) == before


def test_an_approval_by_the_requester_is_refused_noted_on_the_ticket_and_withdrawn(
    service: InProcessService,
) -> None:
    landing_zone_id = request_as_jane(service, "self-approved")
    reaching(service, landing_zone_id, {"pending_approval"})
    decide(service, landing_zone_id, "approved", nth=JANE_AS_APPROVER)

    done = reaching(service, landing_zone_id, TERMINAL)
    assert done["status"] == "rejected"
    assert done["error"]["message"] == (
        "approval refused: a requester cannot approve their own request"
    )
    assert not done["links"].get("repository"), "nothing was provisioned"
    snow = servicenow(service)
    [item] = requested_items(snow, landing_zone_id)
    notes = [
        n["value"]
        for n in records(snow, "sys_journal_field", {"element_id": item["sys_id"]})
        if n["element"] == "work_notes"
    ]
    assert any(
        "does not accept this approval" in n and "approved by its requester (jane.doe)" in n
        for n in notes
    ), notes
    assert item["state"] in {"3", "4", "7"}, "the request is closed"
    events = call(service, "GET", f"/v1/landing-zones/{landing_zone_id}/events", OPERATOR_TOKEN)
    [refusal] = [
        e
        for e in events.json()["events"]
        if "self-approval" in e["message"] or "own requester" in e["message"]
    ]
    assert refusal["data"]["rule"] == "a requester cannot approve their own request"
    [decision] = [e for e in trail(service, landing_zone_id) if e["action"] == "approved"]
    assert (decision["outcome"], decision["actor"]) == ("refused", "servicenow:jane.doe")
    assert "a requester cannot approve their own request" in decision["detail"]["reason"]


PERSONAL = ("jane.doe", "Jane Doe", "cab.approver", "Cab Approver")


def test_ordinary_info_logs_carry_no_email_or_name_while_the_audit_log_does(
    service: InProcessService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    landing_zone_id = request_as_jane(service, "no-names-logged")
    reaching(service, landing_zone_id, {"pending_approval"})
    decide(service, landing_zone_id, "approved", nth=CAB_APPROVER)
    done = reaching(service, landing_zone_id, TERMINAL)
    assert done["status"] == "completed", done["error"]

    audit_lines = [r for r in caplog.records if r.name == "landingzone.audit"]
    logged = [json.loads(r.getMessage()) for r in audit_lines]
    mine = [line for line in logged if line["landing_zone_id"] == landing_zone_id]
    assert [line["action"] for line in mine] == ["requested", "approved"]
    assert mine[0]["on_behalf_of"] == JANE and mine[1]["actor"] == "servicenow:cab.approver"
    ordinary = [r for r in caplog.records if _product_log(r) and r.name != "landingzone.audit"]
    assert any(landing_zone_id in r.getMessage() for r in ordinary), "the landing zone is logged"
    leaks = [
        (r.name, r.getMessage()) for r in ordinary for word in PERSONAL if word in r.getMessage()
    ]
    assert leaks == []


def _product_log(record: logging.LogRecord) -> bool:
    """The service's own logs and its engine's; not the simulators' (they stand for vendors)."""
    return record.levelno >= logging.INFO and not record.name.startswith(
        ("landingzone_sandbox", "uvicorn", "aiosmtpd", "mail.log")
    )
