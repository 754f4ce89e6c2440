"""Governed promotion on the sandbox, as the promote pipeline drives it with the library's client:
dev deploys at once, test under a standard change, prod only once an approver of the change
board approves the change in ServiceNow; the deployment is one commit in the environment
repository; refusals open nothing; a crash while prod waits completes the promotion once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.clients import decide, records, servicenow
from tests.support.promotions import (
    AUTHORIZE,
    CANCELED,
    CLOSED,
    approver_shown_as,
    changes_for,
    decide_change,
    new_digest,
    overlay,
)
from tests.support.sandbox import Sandbox, request_body, running_sandbox, wait_for
from tests.support.simulators import jenkins_folder_secret

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "jenkins-library" / "resources" / "landingzone" / "promote.py"
CREDENTIAL_ID = "landingzone-promotion"
DECIDED = {"deployed", "succeeded", "failed", "rolled_back", "rejected", "expired"}
EXPIRY_HOURS = 0.015  # 54 s: long enough to decide in, short enough to wait out


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    settings = {"LZ_PROMOTION_APPROVAL_EXPIRY_HOURS": str(EXPIRY_HOURS)}
    with running_sandbox(tmp_path_factory.mktemp("promotion"), settings=settings) as running:
        yield running
        assert running.stranded() == []


@dataclass
class Component:
    """A retail landing zone, and its promote pipeline's view of the promotion API."""

    sandbox: Sandbox
    id: str
    name: str
    workdir: Path

    @property
    def token(self) -> str:
        folder = f"retail/{self.name}"
        token = jenkins_folder_secret(self.sandbox.data_dir / "jenkins", folder, CREDENTIAL_ID)
        assert token, f"no {CREDENTIAL_ID} credential in {folder}"
        return token

    def api(self, token: str | None = None) -> httpx.Client:
        return self.sandbox.api(self.token if token is None else token)

    def promote(self, environment: str, digest: str, token: str | None = None, **more: Any) -> Any:
        body = {
            "digest": digest,
            "version": "1.4.2",
            "environment": environment,
            "build_url": f"{self.sandbox.url('jenkins')}/job/retail/job/{self.name}/job/build/7/",
            "scan": {"critical": 0, "high": 0, "medium": 0, "low": 2},
            **more,
        }
        with self.api(token) as client:
            return client.post(f"/v1/landing-zones/{self.id}/promotions", json=body)

    def client(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The library's promote client, as the pipeline runs it, with the folder's credential."""
        env = {**os.environ, "LZ_PROMOTION_TOKEN": self.token}
        command = [sys.executable, str(CLIENT), args[0], "--api", self.sandbox.api_url, *args[1:]]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)

    def request(self, environment: str, digest: str) -> str:
        build = f"{self.sandbox.url('jenkins')}/job/retail/job/{self.name}/job/build/7/"
        asked = self.client(
            "request",
            *("--landing-zone", self.id, "--digest", digest, "--environment", environment),
            *("--version", "1.4.2", "--build-url", build),
        )
        assert asked.returncode == 0, asked.stderr
        return asked.stdout.strip()

    def promotion(self, promotion_id: str) -> dict[str, Any]:
        with self.api() as client:
            answer = client.get(f"/v1/promotions/{promotion_id}")
        answer.raise_for_status()
        return answer.json()  # type: ignore[no-any-return]

    def settled(self, promotion_id: str, statuses: set[str]) -> dict[str, Any]:
        def reached() -> dict[str, Any] | None:
            try:
                found = self.promotion(promotion_id)
            except httpx.HTTPError:
                return None  # the service may be restarting
            return found if found["status"] in statuses else None

        return wait_for(reached, f"{promotion_id} to reach {statuses}", timeout=180, interval=0.5)

    def through(self, digest: str, *environments: str) -> None:
        """The digest deployed and reported successful in each of `environments`."""
        for environment in environments:
            promotion_id = self.request(environment, digest)
            assert (
                self.client("wait", "--promotion", promotion_id, "--timeout", "120").returncode == 0
            )
            reported = self.client("outcome", "--promotion", promotion_id, "--result", "success")
            assert reported.returncode == 0, reported.stderr
            self.settled(promotion_id, {"succeeded"})

    def overlay(self, environment: str) -> tuple[str | None, list[tuple[str, str, str]]]:
        """The digest the environment's overlay pins, and the commits that changed it."""
        return overlay(self.sandbox, "RETAIL", self.name, environment, self.workdir)


@pytest.fixture(scope="module")
def component(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Component:
    accepted = sandbox.create(request_body("ledger-api", tenant="retail"))
    sandbox.wait_status(accepted["id"], {"pending_approval"})
    decide(sandbox, accepted["id"], "approved")
    done = sandbox.wait_status(accepted["id"], {"completed", "failed", "rejected"})
    assert done["status"] == "completed", done["error"]
    return Component(sandbox, accepted["id"], "ledger-api", tmp_path_factory.mktemp("clones"))


def all_changes(sandbox: Sandbox) -> list[str]:
    return [c["sys_id"] for c in records(servicenow(sandbox), "change_request", {})]


def awaiting(component: Component, digest: str) -> tuple[str, dict[str, Any]]:
    """A prod promotion of `digest` (through dev and test first) waiting in Authorize."""
    component.through(digest, "dev", "test")
    promotion_id = component.request("prod", digest)
    component.settled(promotion_id, {"awaiting_approval"})
    [change] = changes_for(component.sandbox, promotion_id)
    assert (change["state"], change["approval"]) == (AUTHORIZE, "requested")
    return promotion_id, change


# ---------------------------------------------------------------- dev, test and prod


def test_a_dev_promotion_deploys_at_once(component: Component) -> None:
    digest = new_digest()
    promotion_id = component.request("dev", digest)

    waited = component.client("wait", "--promotion", promotion_id, "--timeout", "60")

    assert waited.returncode == 0, waited.stderr
    promotion = component.promotion(promotion_id)
    assert promotion["status"] == "deployed" and promotion["change"] is None
    pinned, commits = component.overlay("dev")
    assert pinned == digest
    assert commits[0][0] == promotion["commit"]["id"]
    assert commits[0][2] == f"Promote ledger-api 1.4.2 ({digest[:19]}…) to dev (no change required)"
    assert changes_for(component.sandbox, promotion_id) == []


def test_test_gets_a_standard_change_closed_successful(component: Component) -> None:
    digest = new_digest()
    component.through(digest, "dev")
    promotion_id = component.request("test", digest)
    assert component.client("wait", "--promotion", promotion_id, "--timeout", "120").returncode == 0
    [change] = changes_for(component.sandbox, promotion_id)
    assert (change["type"], change["approval"]) == ("standard", "approved")

    reported = component.client(
        "outcome", "--promotion", promotion_id, "--result", "success", "--notes", "smoke green"
    )

    assert reported.returncode == 0, reported.stderr
    assert component.settled(promotion_id, {"succeeded", "failed"})["status"] == "succeeded"
    [closed] = changes_for(component.sandbox, promotion_id)
    assert (closed["state"], closed["close_code"]) == (CLOSED, "successful")
    assert "smoke green" in closed["close_notes"] and "/job/build/7/" in closed["close_notes"]


def test_prod_waits_in_authorize_until_an_approver_approves(component: Component) -> None:
    digest = new_digest()
    before, _ = component.overlay("prod")
    promotion_id, change = awaiting(component, digest)
    assert change["short_description"] == "Promote ledger-api 1.4.2 to prod"
    for fact in ("Component: ledger-api", "Environment: prod", digest, "Rollback plan:"):
        assert fact in change["description"]
    looked = component.client("wait", "--promotion", promotion_id, "--timeout", "0")
    assert looked.returncode == 3, "still undecided"

    decide_change(component.sandbox, change, "approved", "Fine for tonight")
    waited = component.client("wait", "--promotion", promotion_id, "--timeout", "120")

    assert waited.returncode == 0, waited.stderr
    promotion = component.promotion(promotion_id)
    assert promotion["decided_by"] == approver_shown_as(component.sandbox)
    assert promotion["previous_digest"] == before
    pinned, commits = component.overlay("prod")
    assert pinned == digest
    sha, author, subject = commits[0]
    number = change["number"]
    assert sha == promotion["commit"]["id"]
    assert number in author and subject.endswith(f"to prod under {number}")

    reported = component.client(
        "outcome", "--promotion", promotion_id, "--result", "success", "--notes", "canary healthy"
    )
    assert reported.returncode == 0, reported.stderr
    component.settled(promotion_id, {"succeeded"})
    [closed] = changes_for(component.sandbox, promotion_id)
    assert (closed["state"], closed["close_code"]) == (CLOSED, "successful")
    assert "canary healthy" in closed["close_notes"]


def test_a_rejected_change_returns_the_comment_and_leaves_the_repository_unchanged(
    component: Component,
) -> None:
    digest = new_digest()
    promotion_id, change = awaiting(component, digest)
    pinned_before, commits_before = component.overlay("prod")

    decide_change(component.sandbox, change, "rejected", "Change freeze until Monday")
    waited = component.client("wait", "--promotion", promotion_id, "--timeout", "120")

    assert waited.returncode == 4
    assert "Change freeze until Monday" in waited.stderr
    promotion = component.promotion(promotion_id)
    assert promotion["status"] == "rejected"
    assert promotion["comment"] == "Change freeze until Monday"
    assert component.overlay("prod") == (pinned_before, commits_before)
    [cancelled] = changes_for(component.sandbox, promotion_id)
    assert cancelled["state"] == CANCELED


def test_an_undecided_change_expires(component: Component) -> None:
    digest = new_digest()
    promotion_id, _ = awaiting(component, digest)

    expired = component.settled(promotion_id, DECIDED)

    assert expired["status"] == "expired"
    waited = component.client("wait", "--promotion", promotion_id, "--timeout", "0")
    assert waited.returncode == 4 and "expired" in waited.stderr
    [cancelled] = changes_for(component.sandbox, promotion_id)
    assert cancelled["state"] == CANCELED


# ---------------------------------------------------------------- refusals


def test_refusals_are_clear_and_open_nothing_in_servicenow(
    sandbox: Sandbox, component: Component
) -> None:
    other = sandbox.create(request_body("ledger-other", tenant="retail"))
    sandbox.wait_status(other["id"], {"pending_approval"})
    decide(sandbox, other["id"], "approved")
    assert sandbox.wait_status(other["id"], {"completed", "failed"})["status"] == "completed"
    others = jenkins_folder_secret(
        sandbox.data_dir / "jenkins", "retail/ledger-other", CREDENTIAL_ID
    )
    assert others
    digest = new_digest()
    component.through(digest, "dev")
    opened = all_changes(sandbox)

    prod_first = component.promote("prod", digest)
    tag = component.promote("dev", "1.4.2")
    scan = component.promote("test", digest, scan={"critical": 1, "high": 2, "medium": 0, "low": 0})
    foreign = component.promote("test", digest, token=others)
    anonymous = component.promote("test", digest, token="")

    assert (prod_first.status_code, prod_first.json()["detail"][0]["loc"]) == (
        409,
        ["body", "environment"],
    )
    assert prod_first.json()["detail"][0]["msg"].startswith(f"promote {digest} to test first")
    assert tag.status_code == 422 and tag.json()["detail"][0]["loc"] == ["body", "digest"]
    assert scan.status_code == 422
    assert scan.json()["detail"][0]["msg"].startswith("3 findings above medium")
    assert foreign.status_code == 403 and anonymous.status_code == 401
    assert all_changes(sandbox) == opened
    with component.api() as client:
        listed = client.get(f"/v1/landing-zones/{component.id}/promotions").json()["promotions"]
    assert {(p["digest"], p["environment"]) for p in listed if p["digest"] == digest} == {
        (digest, "dev")
    }


# ---------------------------------------------------------------- a crash while prod waits


def test_a_crash_while_prod_waits_completes_the_promotion_exactly_once(
    sandbox: Sandbox, component: Component
) -> None:
    digest = new_digest()
    promotion_id, change = awaiting(component, digest)
    _, commits_before = component.overlay("prod")

    killed = sandbox.kill_service()
    decide_change(sandbox, change, "approved", "Approved during the outage")
    wait_for(
        lambda: sandbox.description["processes"]["service"] != killed and sandbox.service_healthy(),
        "the service to be restarted",
    )

    deployed = component.settled(promotion_id, DECIDED)
    assert deployed["status"] == "deployed", deployed
    pinned, commits = component.overlay("prod")
    assert pinned == digest
    assert len(commits) == len(commits_before) + 1, "one commit"
    assert len(changes_for(sandbox, promotion_id)) == 1, "one change"
    reported = component.client("outcome", "--promotion", promotion_id, "--result", "success")
    assert reported.returncode == 0, reported.stderr
    component.settled(promotion_id, {"succeeded"})
    [closed] = changes_for(sandbox, promotion_id)
    assert (closed["state"], closed["close_code"]) == (CLOSED, "successful")
