"""Promotions through the API, in one process: who may ask, what is refused before anything is
opened, and a digest taken from dev through test (a standard change) to prod (a normal change
that waits for its approvers), each deployed by one commit in the environment repository."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from landingzone.integrations.servicenow import sign_callback
from tests.support.in_process import InProcessService, in_process_service
from tests.support.promotions import (
    AUTHORIZE,
    CANCELED,
    CLOSED,
    IMPLEMENT,
    approver_shown_as,
    changes_for,
    changes_naming,
    decide_change,
    new_digest,
    overlay,
)
from tests.support.sandbox import request_body, wait_for
from tests.support.simulators import jenkins_folder_secret

CREDENTIAL_ID = "landingzone-promotion"
DECIDED = {"deployed", "succeeded", "failed", "rolled_back", "rejected", "expired"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessService]:
    with in_process_service(
        tmp_path_factory.mktemp("promotions"), LZ_PROMOTION_APPROVAL_EXPIRY_HOURS="0.002"
    ) as running:
        yield running


class LandingZone:
    def __init__(self, service: InProcessService, name: str, workdir: Path) -> None:
        answer = service.client.post(
            "/v1/landing-zones", json=request_body(name), headers=service.auth
        )
        assert answer.status_code == 202, answer.text
        self.id: str = answer.json()["id"]
        self.name = name
        self.service = service
        self.workdir = workdir

        def completed() -> dict[str, Any] | None:
            view = service.client.get(f"/v1/landing-zones/{self.id}", headers=service.auth).json()
            return view if view["status"] in ("completed", "failed") else None

        view = wait_for(completed, f"{name} to be provisioned", timeout=60)
        assert view["status"] == "completed", view["error"]

    @property
    def token(self) -> str:
        folder = f"labs/{self.name}"
        token = jenkins_folder_secret(self.service.layout.root / "jenkins", folder, CREDENTIAL_ID)
        assert token, f"no {CREDENTIAL_ID} credential in {folder}"
        return token

    def overlay(self, environment: str) -> tuple[str | None, list[tuple[str, str, str]]]:
        """The digest the environment's overlay pins, and its commits (newest first)."""
        return overlay(self.service, "LABS", self.name, environment, self.workdir)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def promote(self, environment: str, digest: str, headers: Any = None, **changes: Any) -> Any:
        body = {
            "digest": digest,
            "version": "1.4.2",
            "environment": environment,
            "build_url": f"https://jenkins.example.internal/job/labs/job/{self.name}/42/",
            "scan": {"critical": 0, "high": 0, "medium": 0, "low": 3},
            **changes,
        }
        return self.service.client.post(
            f"/v1/landing-zones/{self.id}/promotions",
            json=body,
            headers=self.auth if headers is None else headers,
        )

    def promotion(self, promotion_id: str, wait: float = 0) -> dict[str, Any]:
        answer = self.service.client.get(
            f"/v1/promotions/{promotion_id}", params={"wait": wait}, headers=self.auth
        )
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def settled(self, promotion_id: str, statuses: set[str]) -> dict[str, Any]:
        wait = 2 if statuses <= DECIDED else 0  # a long poll holds until it is decided

        def reached() -> dict[str, Any] | None:
            found = self.promotion(promotion_id, wait=wait)
            return found if found["status"] in statuses else None

        return wait_for(reached, f"{promotion_id} to reach {statuses}", timeout=60)

    def report(self, promotion_id: str, result: str, notes: str = "") -> Any:
        return self.service.client.post(
            f"/v1/promotions/{promotion_id}/outcome",
            json={"result": result, "notes": notes},
            headers=self.auth,
        )

    def through(self, digest: str, *environments: str) -> None:
        """The digest promoted and reported successful in each of `environments`."""
        for environment in environments:
            asked = self.promote(environment, digest)
            assert asked.status_code == 201, asked.text
            deployed = self.settled(asked.json()["id"], DECIDED)
            assert deployed["status"] == "deployed", deployed
            assert self.report(deployed["id"], "success").status_code == 202
            self.settled(deployed["id"], {"succeeded"})


@pytest.fixture(scope="module")
def zone(service: InProcessService, tmp_path_factory: pytest.TempPathFactory) -> LandingZone:
    return LandingZone(service, "promo-api", tmp_path_factory.mktemp("promo-api"))


@pytest.fixture(scope="module")
def other_zone(service: InProcessService, tmp_path_factory: pytest.TempPathFactory) -> LandingZone:
    return LandingZone(service, "promo-other", tmp_path_factory.mktemp("promo-other"))


def opened_for(service: InProcessService, digest: str) -> list[str]:
    return [change["number"] for change in changes_naming(service, digest)]


def callback(service: InProcessService, document: dict[str, Any]) -> Any:
    body = json.dumps(document).encode()
    timestamp = str(int(time.time()))
    secret = service.environment["LZ_SERVICENOW_CALLBACK_SECRET"]
    headers = {
        "Content-Type": "application/json",
        "X-ServiceNow-Timestamp": timestamp,
        "X-ServiceNow-Signature": sign_callback(secret, timestamp, body),
    }
    return service.client.post("/v1/approvals/servicenow", content=body, headers=headers)


# ---------------------------------------------------------------- who may ask


def test_the_pipelines_stage_issues_a_credential_and_keeps_only_its_hash(
    service: InProcessService, zone: LandingZone
) -> None:
    token = zone.token
    assert len(token) >= 43
    events = service.client.get(f"/v1/landing-zones/{zone.id}/events", headers=service.auth)
    text = events.text
    assert f"promotion credential {CREDENTIAL_ID} issued in labs/promo-api" in text
    assert token not in text
    database = service.environment["LZ_DATABASE_URL"].removeprefix("sqlite:///")
    for path in (database, database.removesuffix(".sqlite") + ".dbos.sqlite"):
        with open(path, "rb") as handle:
            assert token.encode() not in handle.read(), path


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({}, 401, "a bearer token is required"),
        ({"Authorization": "Bearer not-a-credential"}, 401, "the bearer token is not valid"),
    ],
)
def test_without_a_valid_credential_a_promotion_is_refused_and_nothing_is_opened(
    service: InProcessService,
    zone: LandingZone,
    headers: dict[str, str],
    status: int,
    message: str,
) -> None:
    digest = new_digest()
    answer = zone.promote("dev", digest, headers=headers)
    assert answer.status_code == status, answer.text
    assert answer.json()["detail"][0] == {
        "loc": ["header", "authorization"],
        "msg": message,
        "type": "unauthorized",
    }
    assert not opened_for(service, digest)
    listed = service.client.get(f"/v1/landing-zones/{zone.id}/promotions", headers=zone.auth)
    assert digest not in listed.text


def test_another_landing_zones_credential_and_an_api_token_may_not_ask(
    service: InProcessService, zone: LandingZone, other_zone: LandingZone
) -> None:
    digest = new_digest()
    for headers, reason in (
        (other_zone.auth, "belongs to another landing zone"),
        (service.auth, "not an API token"),
    ):
        answer = zone.promote("dev", digest, headers=headers)
        assert answer.status_code == 403, answer.text
        assert reason in answer.json()["detail"][0]["msg"]
    listed = service.client.get(f"/v1/landing-zones/{zone.id}/promotions", headers=zone.auth)
    assert digest not in listed.text
    assert not opened_for(service, digest)
    # The credential is accepted on the promotion routes only.
    answer = service.client.get("/v1/landing-zones", headers=zone.auth)
    assert answer.status_code == 401


# ---------------------------------------------------------------- refused before anything


def test_a_tag_instead_of_a_digest_is_refused_naming_the_digest(zone: LandingZone) -> None:
    answer = zone.promote("dev", "1.4.2")
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail[0]["loc"] == ["body", "digest"]
    assert "a digest is required" in detail[0]["msg"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"version": "1.4.2; rm -rf /"}, "version"),
        ({"build_url": "file:///etc/passwd"}, "build_url"),
        ({"scan": {"critical": -1, "high": 0, "medium": 0, "low": 0}}, "scan"),
        ({"scan": {"critical": "0", "high": 0, "medium": 0, "low": 0}}, "scan"),
        ({"scan": {"high": 0, "medium": 0, "low": 0}}, "scan"),
    ],
)
def test_bad_fields_are_refused_naming_them(
    zone: LandingZone, changes: dict[str, Any], field: str
) -> None:
    answer = zone.promote("dev", new_digest(), **changes)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][:2] == ["body", field]


def test_prod_before_test_is_refused_naming_test_and_nothing_is_opened(
    service: InProcessService, zone: LandingZone
) -> None:
    digest = new_digest()
    answer = zone.promote("prod", digest)
    assert answer.status_code == 409, answer.text
    detail = answer.json()["detail"][0]
    assert detail["loc"] == ["body", "environment"]
    assert detail["msg"].startswith(f"promote {digest} to test first")
    assert zone.promote("staging", digest).status_code == 422
    assert not opened_for(service, digest)


def test_a_scan_above_the_threshold_is_refused_with_the_count_and_nothing_is_opened(
    service: InProcessService, zone: LandingZone
) -> None:
    digest = new_digest()
    zone.through(digest, "dev", "test")
    before = opened_for(service, digest)
    answer = zone.promote("prod", digest, scan={"critical": 0, "high": 0, "medium": 3, "low": 7})
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"][0]
    assert detail["loc"] == ["body", "scan"]
    assert detail["msg"].startswith("3 findings above low (medium: 3)")
    assert opened_for(service, digest) == before


# ---------------------------------------------------------------- dev, test, prod


def test_a_dev_promotion_deploys_at_once_by_one_commit(
    service: InProcessService, zone: LandingZone
) -> None:
    digest = new_digest()
    asked = zone.promote("dev", digest)
    assert asked.status_code == 201, asked.text
    promotion = asked.json()
    assert asked.headers["Location"] == f"/v1/promotions/{promotion['id']}"
    assert promotion["status"] in ("requested", "deploying", "deployed")
    again = zone.promote("dev", digest, version="9.9.9")
    assert again.status_code == 200 and again.json()["id"] == promotion["id"]

    deployed = zone.settled(promotion["id"], DECIDED)
    assert deployed["status"] == "deployed" and deployed["change"] is None
    pinned, commits = zone.overlay("dev")
    assert pinned == digest
    ours = [commit for commit in commits if digest[:19] in commit[2]]
    assert len(ours) == 1
    assert ours[0][2].startswith("Promote promo-api 1.4.2 (sha256:")
    assert deployed["commit"]["id"] == ours[0][0]

    assert zone.report(promotion["id"], "success", "smoke tests green").status_code == 202
    done = zone.settled(promotion["id"], {"succeeded"})
    assert done["outcome"]["notes"] == "smoke tests green"
    assert zone.report(promotion["id"], "success").status_code == 202, "the same again is fine"
    conflict = zone.report(promotion["id"], "failure")
    assert conflict.status_code == 409
    assert "success was reported already" in conflict.json()["detail"][0]["msg"]


def test_test_gets_a_standard_change_closed_successful(
    service: InProcessService, zone: LandingZone
) -> None:
    digest = new_digest()
    zone.through(digest, "dev", "test")
    test = next(
        p
        for p in service.client.get(
            f"/v1/landing-zones/{zone.id}/promotions", headers=zone.auth
        ).json()["promotions"]
        if p["digest"] == digest and p["environment"] == "test"
    )
    assert test["change"]["type"] == "standard" and test["status"] == "succeeded"
    [change] = changes_for(service, test["id"])
    assert (change["state"], change["close_code"]) == (CLOSED, "successful")
    assert test["build_url"] in change["close_notes"]
    assert change["short_description"] == "Promote promo-api 1.4.2 to test"


def test_prod_waits_in_authorize_until_approved_then_deploys_and_closes(
    service: InProcessService, zone: LandingZone
) -> None:
    digest = new_digest()
    zone.through(digest, "dev", "test")
    previous, _ = zone.overlay("prod")
    asked = zone.promote("prod", digest)
    assert asked.status_code == 201, asked.text
    waiting = zone.settled(asked.json()["id"], {"awaiting_approval"})
    assert waiting["change"]["state"] == "authorize" and waiting["change"]["type"] == "normal"
    held = zone.promotion(waiting["id"], wait=1)
    assert held["status"] == "awaiting_approval", "a long poll ends when its wait does"
    assert zone.report(waiting["id"], "success").status_code == 409, "not deployed yet"

    number = waiting["change"]["number"]
    [change] = changes_for(service, waiting["id"])
    assert change["state"] == AUTHORIZE
    for fact in ("Component: promo-api", "Environment: prod", digest, "Version: 1.4.2", "Build: "):
        assert fact in change["description"]
    assert "Rollback plan: " in change["description"]
    decide_change(service, change, "approved", "go")
    nudged = callback(
        service,
        {
            "table": "change_request",
            "sys_id": change["sys_id"],
            "number": number,
            "approval": "approved",
            "correlation_id": waiting["id"],
        },
    )
    assert nudged.status_code == 202

    deployed = zone.settled(waiting["id"], DECIDED)
    assert deployed["status"] == "deployed"
    assert deployed["decided_by"] == approver_shown_as(service)
    assert deployed["previous_digest"] == previous
    pinned, commits = zone.overlay("prod")
    assert pinned == digest
    sha, author, subject = commits[0]
    assert sha == deployed["commit"]["id"]
    assert number in subject and number in author
    assert changes_for(service, waiting["id"])[0]["state"] == IMPLEMENT

    assert zone.report(waiting["id"], "success", "canary healthy").status_code == 202
    done = zone.settled(waiting["id"], {"succeeded"})
    [closed] = changes_for(service, waiting["id"])
    assert (closed["state"], closed["close_code"]) == (CLOSED, "successful")
    assert "canary healthy" in closed["close_notes"] and done["build_url"] in closed["close_notes"]

    view = service.client.get(f"/v1/landing-zones/{zone.id}", headers=service.auth).json()
    listed = next(p for p in view["promotions"] if p["id"] == waiting["id"])
    assert listed["change"]["number"] == number and listed["status"] == "succeeded"


def test_a_rejected_change_returns_the_comment_and_commits_nothing(
    service: InProcessService, zone: LandingZone
) -> None:
    digest = new_digest()
    zone.through(digest, "dev", "test")
    _, before = zone.overlay("prod")
    waiting = zone.settled(zone.promote("prod", digest).json()["id"], {"awaiting_approval"})
    [change] = changes_for(service, waiting["id"])
    decide_change(service, change, "rejected", "freeze week", nth=2)
    rejected = zone.settled(waiting["id"], DECIDED)
    assert rejected["status"] == "rejected"
    assert rejected["comment"] == "freeze week"
    assert rejected["decided_by"] == approver_shown_as(service, 2)
    assert zone.overlay("prod")[1] == before
    assert changes_for(service, waiting["id"])[0]["state"] == CANCELED


def test_an_undecided_change_expires_and_is_cancelled(
    service: InProcessService, zone: LandingZone
) -> None:
    digest = new_digest()
    zone.through(digest, "dev", "test")
    waiting = zone.settled(zone.promote("prod", digest).json()["id"], {"awaiting_approval"})
    expired = zone.settled(waiting["id"], DECIDED)
    assert expired["status"] == "expired" and "no decision within" in expired["comment"]
    assert changes_for(service, waiting["id"])[0]["state"] == CANCELED


def test_a_rollback_commits_the_previous_digest_back(
    service: InProcessService, zone: LandingZone
) -> None:
    earlier = new_digest()
    zone.through(earlier, "dev")
    digest = new_digest()
    deployed = zone.settled(zone.promote("dev", digest).json()["id"], DECIDED)
    assert deployed["previous_digest"] == earlier
    assert zone.overlay("dev")[0] == digest

    assert zone.report(deployed["id"], "rolled_back", "readiness probe failed").status_code == 202
    rolled_back = zone.settled(deployed["id"], {"rolled_back", "failed"})
    assert rolled_back["status"] == "rolled_back"
    assert rolled_back["comment"] == "readiness probe failed"
    pinned, commits = zone.overlay("dev")
    assert pinned == earlier
    assert commits[0][2].startswith(f"Roll back promo-api in dev to {earlier[:19]}")


def test_a_promotion_is_read_by_its_landing_zones_credential_or_an_api_token_only(
    service: InProcessService, zone: LandingZone, other_zone: LandingZone
) -> None:
    promotion_id = zone.promote("dev", new_digest()).json()["id"]
    path = f"/v1/promotions/{promotion_id}"
    assert service.client.get(path, headers=service.auth).status_code == 200
    assert service.client.get(path, headers=other_zone.auth).status_code == 403
    assert service.client.get(path).status_code == 401
    unknown = service.client.get("/v1/promotions/prm_unknown", headers=zone.auth)
    assert unknown.status_code == 404
    outcome = service.client.post(
        f"{path}/outcome", json={"result": "success"}, headers=other_zone.auth
    )
    assert outcome.status_code == 403
