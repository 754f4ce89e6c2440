"""A vendor that answers 429 or 503 with Retry-After: the adapters' TransientError says how long."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from landingzone.integrations.base import TransientError
from landingzone.integrations.bitbucket import BitbucketRepositoryHost, BitbucketSettings
from landingzone.integrations.jenkins.config import JenkinsSettings
from landingzone.integrations.jenkins.plugin import JenkinsPipelineServer
from landingzone.integrations.retry_after import parse_retry_after
from landingzone.integrations.servicenow import CatalogApprovalDesk, ServiceNowSettings
from tests.support.bitbucket_simulator import PASSWORD, PROJECT, USER, simulator_settings
from tests.support.simulators import (
    JenkinsSimSettings,
    ServiceNowSimSettings,
    bitbucket_app,
    free_port,
    jenkins_app,
    servicenow_app,
    serving,
)
from tests.support.throttle import Refusal, Throttle


def http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True)


def test_both_forms_of_the_header_are_understood() -> None:
    now = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("Wed, 02 Dec 2026 12:01:30 GMT", now) == 90.0
    assert parse_retry_after("Wed, 02 Dec 2026 11:00:00 GMT", now) == 0.0  # already past
    for nonsense in (None, "", "soon", "-5", "1.5", "٣"):
        assert parse_retry_after(nonsense, now) is None


@pytest.fixture
def bitbucket(tmp_path: Path) -> Iterator[tuple[Throttle, BitbucketRepositoryHost]]:
    port = free_port()
    throttle = Throttle(bitbucket_app(simulator_settings(tmp_path, port)))
    with serving(throttle, port=port) as server:
        config = BitbucketSettings(url=server.url, username=USER, password=SecretStr(PASSWORD))
        yield throttle, BitbucketRepositoryHost(config, timeout_s=10)


@pytest.fixture
def jenkins(tmp_path: Path) -> Iterator[tuple[Throttle, JenkinsPipelineServer]]:
    port = free_port()
    settings = JenkinsSimSettings(
        data_dir=tmp_path,
        base_url=f"http://127.0.0.1:{port}",
        users={USER: "tok"},
        git_credentials={},
    )
    throttle = Throttle(jenkins_app(settings))
    with serving(throttle, port=port) as server:
        config = JenkinsSettings(url=server.url, username=USER, token=SecretStr("tok"))
        yield throttle, JenkinsPipelineServer(config, timeout_s=30)


@pytest.fixture
def servicenow(tmp_path: Path) -> Iterator[tuple[Throttle, CatalogApprovalDesk]]:
    port = free_port()
    settings = ServiceNowSimSettings(
        data_dir=tmp_path, base_url=f"http://127.0.0.1:{port}", users={USER: PASSWORD}
    )
    throttle = Throttle(servicenow_app(settings))
    with serving(throttle, port=port):
        config = ServiceNowSettings(
            host=f"127.0.0.1:{port}", use_ssl=False, username=USER, password=SecretStr(PASSWORD)
        )
        yield throttle, CatalogApprovalDesk(config, timeout_s=30)


def test_bitbucket_throttling_carries_the_delay(
    bitbucket: tuple[Throttle, BitbucketRepositoryHost],
) -> None:
    throttle, host = bitbucket
    throttle.refusals.append(Refusal(r"/repos/", 429, "7"))
    with pytest.raises(TransientError) as throttled:
        host.find_repository(PROJECT, "anything")
    assert throttled.value.retry_after == 7.0 and "429" in throttled.value.message

    throttle.refusals.append(Refusal(r"/repos/", 503, http_date(60)))
    with pytest.raises(TransientError) as unavailable:
        host.find_repository(PROJECT, "anything")
    assert unavailable.value.retry_after is not None and 55 <= unavailable.value.retry_after <= 60

    throttle.refusals.append(Refusal(r"/repos/", 502, "30"))  # only 429 and 503 ask to wait
    with pytest.raises(TransientError) as bad_gateway:
        host.find_repository(PROJECT, "anything")
    assert bad_gateway.value.retry_after is None
    assert host.find_repository(PROJECT, "anything") is None


def test_jenkins_throttling_carries_the_delay(
    jenkins: tuple[Throttle, JenkinsPipelineServer],
) -> None:
    throttle, pipelines = jenkins
    throttle.refusals.append(Refusal(r"^/job/retail/api/json$", 503, "12"))
    with pytest.raises(TransientError) as unavailable:
        pipelines.find_item("retail")
    assert unavailable.value.retry_after == 12.0

    throttle.refusals.append(Refusal(r"^/job/retail/api/json$", 429, None))
    with pytest.raises(TransientError) as throttled:
        pipelines.find_item("retail")
    assert throttled.value.retry_after is None
    assert pipelines.find_item("retail") is None


def test_servicenow_throttling_carries_the_delay(
    servicenow: tuple[Throttle, CatalogApprovalDesk],
) -> None:
    throttle, desk = servicenow
    throttle.refusals.append(Refusal(r"/api/now/table/sc_req_item", 429, "3"))
    with pytest.raises(TransientError) as throttled:
        desk.get_request("a" * 32)
    assert throttled.value.retry_after == 3.0

    throttle.refusals.append(Refusal(r"/api/now/table/sc_req_item", 503, "garbage"))
    with pytest.raises(TransientError) as unavailable:
        desk.get_request("a" * 32)
    assert unavailable.value.retry_after is None
