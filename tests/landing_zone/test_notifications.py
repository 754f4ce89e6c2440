from __future__ import annotations

import pytest

from landingzone.config import DEFAULT_PLATFORM_CONFIG, DEFAULT_TEMPLATES_DIR
from landingzone.landing_zone.models import LandingZoneRequest
from landingzone.landing_zone.notifications import outcome_message
from landingzone.landing_zone.service import Plan, make_plan
from landingzone.platform_config import PlatformConfig
from landingzone.rendering.classes import load_classes


@pytest.fixture(scope="module")
def plan() -> Plan:
    request = LandingZoneRequest.model_validate(
        {
            "name": "mail-check",
            "class": "java",
            "owner": "group:default/payments",
            "description": "d",
            "tenant": "labs",
            "requester": {"name": "Ann <script>", "email": "ann@example.com"},
        }
    )
    return make_plan(
        "lz_1",
        request,
        PlatformConfig.load(DEFAULT_PLATFORM_CONFIG),
        load_classes(DEFAULT_TEMPLATES_DIR),
    )


@pytest.mark.parametrize(
    ("status", "reason", "says"),
    [
        ("completed", "", "is ready"),
        ("rejected", "approval expired", "was not approved (approval expired)"),
        (
            "failed",
            "pipelines: Jenkins refused",
            "could not be completed: pipelines: Jenkins refused",
        ),
        ("cancelled", "", "was cancelled"),
    ],
)
def test_each_outcome_tells_the_requester_what_happened(
    plan: Plan, status: str, reason: str, says: str
) -> None:
    message = outcome_message(plan, status, {"repository": "http://bb/r"}, "http://lz/1", reason)
    assert says in message.text and says.split(" (")[0] in message.html
    assert message.to == ("ann@example.com",)


def test_html_escapes_what_people_typed(plan: Plan) -> None:
    message = outcome_message(plan, "completed", {}, "http://lz/1")
    assert "Ann &lt;script&gt;" in message.html and "<script>" not in message.html
