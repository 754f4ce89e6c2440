"""Tenants' entitlements in the platform configuration: validated at load, naming the key."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from landingzone.config import Settings
from landingzone.platform_config import PlatformConfig
from landingzone.rendering.classes import load_classes
from tests.support.in_process import default_platform, platform_from

TENANT = {"title": "T", "bitbucket_project": "TT", "jenkins_folder": "tt"}


def platform(**tenant: Any) -> PlatformConfig:
    return platform_from(
        {"global": {"registry": "r.example"}, "tenants": {"t": {**TENANT, **tenant}}}
    )


def test_a_tenant_must_say_who_may_request_there() -> None:
    with pytest.raises(ValidationError, match=r"tenants\.t\.owner_groups\s+Field required"):
        platform()


@pytest.mark.parametrize(
    ("tenant", "key", "words"),
    [
        (
            {"owner_groups": ["payments"]},
            "owner_groups",
            "'payments': not a group entity reference",
        ),
        ({"owner_groups": ["user:default/jane"]}, "owner_groups", "not a group entity reference"),
        ({"owner_groups": "everyone"}, "owner_groups", "'all'"),
        ({"owner_groups": "all", "classes": ["Java!"]}, "classes", "'Java!': not a class id"),
    ],
)
def test_a_malformed_entitlement_is_refused_naming_its_key(
    tenant: dict[str, Any], key: str, words: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        platform(**tenant)
    message = str(refused.value)
    assert f"tenants.t.{key}" in message
    assert words in message


def test_classes_the_templates_do_not_have_are_refused_at_start_up() -> None:
    configured = platform(owner_groups="all", classes=["java", "cobol"])
    with pytest.raises(ValueError, match=r"tenants\.t\.classes names classes .*: cobol"):
        configured.check_classes(["java", "web"])
    platform(owner_groups="all", classes=["java"]).check_classes(["java", "web"])


def test_entitlements_name_the_rule_that_refuses() -> None:
    configured = platform(owner_groups=["group:default/payments"], classes=["java"])
    assert configured.entitlement_refusal("t", "group:default/payments", "java") is None
    assert configured.entitlement_refusal("t", "group:default/web", "java") == (
        "owner",
        "tenant t: owner group group:default/web is not entitled (tenants.t.owner_groups)",
    )
    assert configured.entitlement_refusal("t", "group:default/payments", "web") == (
        "class",
        "tenant t: class web is not allowed (tenants.t.classes)",
    )
    everyone = platform(owner_groups="all")
    assert everyone.entitlement_refusal("t", "group:other/anyone", "mobile") is None


def test_the_bundled_configuration_entitles_the_sandbox_groups_and_names_real_classes() -> None:
    bundled = default_platform()
    bundled.check_classes(load_classes(Settings().templates_dir))
    assert bundled.entitlement_refusal("labs", "group:default/payments", "mobile") is None
    assert bundled.entitlement_refusal("retail", "group:default/payments", "java") is None
    assert bundled.entitlement_refusal("retail", "group:default/web", "java") is not None
    assert bundled.entitlement_refusal("retail", "group:default/payments", "mobile") is not None
