"""The promotion policy: which environments exist, in which order, under which change, and how
many scan findings each allows; every refusal names its field and reason."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from landingzone.platform_config import PlatformConfig
from landingzone.promotion.models import PromotionRequest
from landingzone.promotion.policy import PolicyRefusal, decide, findings_above
from tests.support.in_process import default_platform

DIGEST = "sha256:" + "ab" * 32
CLEAN = {"critical": 0, "high": 0, "medium": 0, "low": 0}


def ask(environment: str, **scan: int) -> PromotionRequest:
    return PromotionRequest.model_validate(
        {
            "digest": DIGEST,
            "version": "1.4.2",
            "environment": environment,
            "build_url": "https://jenkins.example.internal/job/retail/job/payments-api/42/",
            "scan": {**CLEAN, **scan},
        }
    )


def succeeded(*environments: str) -> Any:
    return lambda environment: environment in environments


def refusal(request: PromotionRequest, platform: PlatformConfig, *done: str) -> PolicyRefusal:
    with pytest.raises(PolicyRefusal) as refused:
        decide(request, "retail", platform, succeeded(*done))
    return refused.value


def with_promotion(
    global_policy: dict[str, Any], tenant_policy: dict[str, Any] | None = None
) -> PlatformConfig:
    document = default_platform().model_dump(by_alias=True)
    document["global"]["promotion"] = global_policy
    document["tenants"]["retail"]["promotion"] = tenant_policy or {}
    document["tenants"]["labs"]["approval_group"] = "labs-approvers"  # authorizes normal changes
    return PlatformConfig.model_validate(document)


def test_the_default_policy_deploys_dev_at_once_and_asks_changes_for_test_and_prod() -> None:
    platform = default_platform()
    assert platform.environment_names == ("dev", "test", "prod")
    changes = {
        env: decide(ask(env), "retail", platform, succeeded("dev", "test")).policy.change
        for env in platform.environment_names
    }
    assert changes == {"dev": "none", "test": "standard", "prod": "normal"}


@pytest.mark.parametrize(
    ("environment", "done", "first"),
    [("test", (), "dev"), ("prod", ("dev",), "test"), ("prod", (), "test")],
)
def test_a_digest_reaches_an_environment_only_after_it_succeeded_in_the_one_before(
    environment: str, done: tuple[str, ...], first: str
) -> None:
    refused = refusal(ask(environment), default_platform(), *done)
    assert refused.status == 409 and refused.field == "environment"
    assert refused.message.startswith(f"promote {DIGEST} to {first} first")


def test_the_first_environment_needs_no_earlier_one() -> None:
    verdict = decide(ask("dev"), "retail", default_platform(), succeeded())
    assert verdict.previous_environment is None


def test_an_unknown_environment_is_refused_naming_the_known_ones() -> None:
    refused = refusal(ask("staging"), default_platform(), "dev", "test")
    assert (refused.status, refused.field) == (422, "environment")
    assert refused.message == "unknown environment; expected one of: dev, test, prod"


def test_a_scan_above_the_environments_severity_is_refused_with_the_finding_count() -> None:
    refused = refusal(ask("prod", medium=3, low=7), default_platform(), "dev", "test")
    assert (refused.status, refused.field) == (422, "scan")
    assert refused.message.startswith("3 findings above low (medium: 3)")
    worse = refusal(ask("test", critical=1, high=2, medium=5), default_platform(), "dev")
    assert worse.message.startswith("3 findings above medium (critical: 1, high: 2)")


def test_findings_at_the_allowed_severity_pass() -> None:
    platform = default_platform()
    assert decide(ask("dev", high=4, medium=9, low=20), "retail", platform, succeeded())
    assert decide(ask("prod", low=7), "retail", platform, succeeded("dev", "test"))


def test_order_is_checked_before_the_scan() -> None:
    refused = refusal(ask("prod", critical=1), default_platform(), "dev")
    assert refused.status == 409


def test_a_tenant_overrides_what_it_names_and_keeps_the_rest() -> None:
    platform = with_promotion(
        {
            "dev": {"change": "none", "max_severity": "high"},
            "test": {"change": "standard", "max_severity": "medium"},
            "prod": {"change": "normal", "max_severity": "low"},
        },
        {"test": {"change": "normal"}, "prod": {"max_severity": "none"}},
    )
    test = platform.promotion_policy("retail", "test")
    assert (test.change, test.max_severity) == ("normal", "medium")
    prod = platform.promotion_policy("retail", "prod")
    assert (prod.change, prod.max_severity) == ("normal", "none")
    assert platform.promotion_policy("labs", "prod").max_severity == "low"
    refused = refusal(ask("prod", low=1), platform, "dev", "test")
    assert refused.message.startswith("1 finding where none are allowed (low: 1)")


def test_an_environment_without_a_policy_is_governed_like_prod() -> None:
    platform = with_promotion({"dev": {"change": "none", "max_severity": "critical"}})
    policy = platform.promotion_policy("retail", "test")
    assert (policy.change, policy.max_severity) == ("normal", "low")


def test_a_policy_for_an_environment_that_does_not_exist_is_refused_at_load() -> None:
    with pytest.raises(ValidationError, match=r"global\.promotion names environments"):
        with_promotion({"staging": {"change": "none", "max_severity": "high"}})
    with pytest.raises(ValidationError, match=r"tenants\.retail\.promotion names environments"):
        with_promotion({}, {"qa": {"change": "none"}})


def test_a_normal_change_nobody_may_authorize_is_refused_at_load() -> None:
    document = default_platform().model_dump(by_alias=True)
    document["global"]["promotion"]["prod"]["approval_group"] = None
    with pytest.raises(ValidationError, match=r"tenants\.labs: promotions to prod need a normal"):
        PlatformConfig.model_validate(document)
    document["tenants"]["labs"]["promotion"] = {"prod": {"approval_group": "labs-cab"}}
    platform = PlatformConfig.model_validate(document)
    assert platform.change_approval_group("labs", "prod") == "labs-cab"
    assert platform.change_approval_group("retail", "prod") == "retail-change-board"
    assert "labs-cab" in platform.approval_groups()


def test_findings_above_counts_only_the_more_severe() -> None:
    scan = {"critical": 1, "high": 2, "medium": 3, "low": 4}
    assert findings_above(scan, "critical") == {}
    assert findings_above(scan, "medium") == {"critical": 1, "high": 2}
    assert findings_above(scan, "none") == scan
