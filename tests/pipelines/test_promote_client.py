"""The library's promotion client, run as the promote pipeline runs it: a subprocess.

`promotion_api` is the one place that says what the client talks to (see contract_server.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pipelines.contract_server import ContractApi, serving
from tests.support.sandbox import wait_for

CLIENT = Path(__file__).resolve().parents[2] / "jenkins-library/resources/landingzone/promote.py"
LANDING_ZONE, OTHER_ZONE = "lz_0001payments", "lz_0002cards"
TOKEN, OTHER_TOKEN = "lzp-7f3a9c2e1b8d4f6a0e5c", "lzp-0c1d2e3f4a5b6c7d8e9f"
DIGEST = "sha256:" + "ab12" * 16
BUILD_URL = "https://jenkins.example.test/job/retail/job/payments-api/job/promote/42/"
PROCEED, PENDING, STOPPED, REFUSED, USAGE = 0, 3, 4, 5, 2


@dataclass
class Api:
    url: str
    contract: ContractApi

    def decide(self, promotion_id: str, status: str, comment: str = "", by: str = "") -> None:
        self.contract.decide(promotion_id, status, comment, by)


@pytest.fixture
def promotion_api() -> Iterator[Api]:
    with serving(ContractApi({TOKEN: LANDING_ZONE, OTHER_TOKEN: OTHER_ZONE})) as contract:
        yield Api(contract.url, contract)


def client(api: Api, *args: str, token: str | None = TOKEN) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "")}
    if token is not None:
        env["LZ_PROMOTION_TOKEN"] = token
    argv = [sys.executable, str(CLIENT), *args, "--api", api.url]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)


def request(
    api: Api,
    environment: str = "dev",
    digest: str = DIGEST,
    landing_zone: str = LANDING_ZONE,
    scan_file: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    scan = ["--scan-file", str(scan_file)] if scan_file else []
    return client(
        api, "request", "--landing-zone", landing_zone, "--digest", digest,
        "--environment", environment, "--version", "1.4.2", "--build-url", BUILD_URL, *scan,
    )  # fmt: skip


def requested(api: Api, environment: str = "dev") -> str:
    result = request(api, environment)
    assert result.returncode == PROCEED, result.stderr
    return result.stdout.strip()


def test_a_request_is_created_once_and_its_id_printed(promotion_api: Api) -> None:
    first = request(promotion_api)
    second = request(promotion_api)

    assert first.returncode == second.returncode == PROCEED
    assert first.stdout.strip() == second.stdout.strip() == "pr_0001"
    assert "requested" in first.stderr
    promotion = promotion_api.contract.promotions["pr_0001"]
    assert (promotion["digest"], promotion["environment"], promotion["version"]) == (
        DIGEST, "dev", "1.4.2",
    )  # fmt: skip
    assert promotion["build_url"] == BUILD_URL


def test_wait_holds_until_the_promotion_is_deployed_then_proceeds(promotion_api: Api) -> None:
    promotion = requested(promotion_api)
    env = {"PATH": os.environ.get("PATH", ""), "LZ_PROMOTION_TOKEN": TOKEN}
    argv = [sys.executable, str(CLIENT), "wait", "--promotion", promotion, "--timeout", "50",
            "--api", promotion_api.url]  # fmt: skip
    with subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True) as waiting:
        wait_for(lambda: promotion_api.contract.waiting, "the client's long poll", timeout=20)
        assert waiting.poll() is None
        promotion_api.decide(promotion, "deployed")
        assert waiting.wait(timeout=20) == PROCEED
        assert waiting.stderr is not None and "deployed" in waiting.stderr.read()


@pytest.mark.parametrize(
    ("status", "comment"),
    [("rejected", "Not during the freeze, resubmit Monday"), ("expired", "")],
)
def test_a_rejected_or_expired_promotion_stops_with_the_reason(
    promotion_api: Api, status: str, comment: str
) -> None:
    promotion = requested(promotion_api)
    promotion_api.decide(promotion, status, comment, by="jane.approver" if comment else "")

    result = client(promotion_api, "wait", "--promotion", promotion, "--timeout", "5")

    assert result.returncode == STOPPED
    assert status in result.stderr
    if comment:
        assert f"by jane.approver: {comment}" in result.stderr


def test_a_look_at_an_undecided_promotion_says_still_pending(promotion_api: Api) -> None:
    promotion = requested(promotion_api)
    result = client(promotion_api, "wait", "--promotion", promotion, "--timeout", "0")
    assert result.returncode == PENDING
    assert "requested" in result.stderr


def test_the_outcome_is_posted_once_deployed_and_refused_before(promotion_api: Api) -> None:
    promotion = requested(promotion_api)
    report = ("outcome", "--promotion", promotion, "--result", "success",
              "--notes", "Smoke test passed", "--build-url", BUILD_URL)  # fmt: skip

    early = client(promotion_api, *report)
    assert early.returncode == REFUSED
    assert "409" in early.stderr and "requested" in early.stderr

    promotion_api.decide(promotion, "deployed")
    assert client(promotion_api, *report).returncode == PROCEED
    assert client(promotion_api, *report).returncode == PROCEED  # the same outcome again
    assert promotion_api.contract.outcomes == [
        {"result": "success", "notes": "Smoke test passed", "build_url": BUILD_URL}
    ]
    assert promotion_api.contract.promotions[promotion]["status"] == "succeeded"


def test_refusals_print_the_reason_and_stop(promotion_api: Api, tmp_path: Path) -> None:
    tag = request(promotion_api, digest="1.4.2")
    assert tag.returncode == REFUSED
    assert "422" in tag.stderr and "digest" in tag.stderr and "not a tag" in tag.stderr

    prod_first = request(promotion_api, "prod")
    assert prod_first.returncode == REFUSED
    assert "409" in prod_first.stderr and "test first" in prod_first.stderr

    promotion_api.decide(requested(promotion_api, "dev"), "succeeded")
    report = tmp_path / "trivy-report.json"
    findings = [{"VulnerabilityID": f"CVE-2026-{n}", "Severity": "MEDIUM"} for n in range(3)]
    report.write_text(json.dumps({"Results": [{"Target": "app", "Vulnerabilities": findings}]}))
    scanned = request(promotion_api, "test", scan_file=report)
    assert scanned.returncode == PROCEED
    promotion_api.decide(scanned.stdout.strip(), "succeeded")
    too_many = request(promotion_api, "prod", scan_file=report)
    assert too_many.returncode == REFUSED
    assert "3 medium findings" in too_many.stderr

    other = request(promotion_api, landing_zone=OTHER_ZONE)
    assert other.returncode == REFUSED and "403" in other.stderr
    assert len(promotion_api.contract.promotions) == 2  # dev and test; nothing else opened


def test_without_a_valid_credential_nothing_is_opened(promotion_api: Api) -> None:
    ask = ("request", "--landing-zone", LANDING_ZONE, "--digest", DIGEST, "--environment",
           "dev", "--version", "1.4.2", "--build-url", BUILD_URL)  # fmt: skip
    missing = client(promotion_api, *ask, token=None)
    assert missing.returncode == USAGE and "LZ_PROMOTION_TOKEN" in missing.stderr
    wrong = client(promotion_api, *ask, token="lzp-not-a-token")
    assert wrong.returncode == REFUSED and "401" in wrong.stderr
    assert "lzp-not-a-token" not in wrong.stderr
    assert promotion_api.contract.promotions == {}


def test_the_token_never_appears_in_the_output(promotion_api: Api) -> None:
    results = [request(promotion_api), request(promotion_api, digest="latest")]
    promotion = results[0].stdout.strip()
    results.append(client(promotion_api, "wait", "--promotion", promotion, "--timeout", "0"))
    promotion_api.decide(promotion, "deployed")
    results.append(client(promotion_api, "wait", "--promotion", promotion))
    results.append(client(promotion_api, "outcome", "--promotion", promotion, "--result",
                          "failure", "--notes", "health check failed"))  # fmt: skip
    unreachable = Api("http://127.0.0.1:9", promotion_api.contract)
    results.append(client(unreachable, "outcome", "--promotion", promotion, "--result",
                          "success", "--retry-seconds", "0"))  # fmt: skip

    assert [r.returncode for r in results] == [PROCEED, REFUSED, PENDING, PROCEED, PROCEED, 1]
    for result in results:
        assert TOKEN not in result.stdout + result.stderr
