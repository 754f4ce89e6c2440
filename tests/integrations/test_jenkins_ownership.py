"""Folders and jobs carry their landing zone's marker; others' items are never touched.
Also: following a queued build to its URL, and the push-hook URL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jenkins
import pytest
from pydantic import SecretStr

from landingzone.integrations.base import ForeignResource, PermanentError, TransientError
from landingzone.integrations.jenkins.config import JenkinsSettings
from landingzone.integrations.jenkins.plugin import JenkinsPipelineServer
from landingzone.integrations.pipelines import PipelineDefinition, PipelineItem
from tests.support.jenkins_jobs import bare_repository, pipeline_xml
from tests.support.sandbox import wait_for
from tests.support.simulators import (
    FaultInjector,
    FaultRule,
    JenkinsSimSettings,
    free_port,
    serving,
)
from tests.support.simulators import jenkins_app as create_app
from tests.support.throttle import Refusal, Throttle

USER, TOKEN = "landingzone", "tok-0c3f5e"
OURS, THEIRS = "lz_0001ours", "lz_0002theirs"
FOLDER = (
    "<com.cloudbees.hudson.plugins.folder.Folder plugin='cloudbees-folder'><actions/>"
    "<description>{}</description><properties/><healthMetrics/></com.cloudbees.hudson.plugins"
    ".folder.Folder>"
)


@dataclass
class Setup:
    url: str
    pipelines: JenkinsPipelineServer
    server: jenkins.Jenkins
    faults: FaultInjector
    throttle: Throttle
    repo_url: str

    def definition(self, description: str = "Builds payments-api") -> PipelineDefinition:
        return PipelineDefinition(
            self.repo_url, "bitbucket-http", "main", "Jenkinsfile", description
        )

    def config(self, full_name: str) -> str:
        return str(self.server.get_job_config(full_name))


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    port = free_port()
    settings = JenkinsSimSettings(
        data_dir=tmp_path / "jenkins",
        base_url=f"http://127.0.0.1:{port}",
        users={USER: TOKEN},
        git_credentials={"bitbucket-http": ("svc", "pw")},
        quiet_period_s=2.0,
    )
    faults = FaultInjector(create_app(settings))
    throttle = Throttle(faults)
    with serving(throttle, port=port) as running:
        config = JenkinsSettings(
            url=running.url,
            username=USER,
            token=SecretStr(TOKEN),
            notify_commit_token=SecretStr("n0t1fy"),
        )
        yield Setup(
            running.url,
            JenkinsPipelineServer(config, timeout_s=10),
            jenkins.Jenkins(running.url, USER, TOKEN, timeout=10),
            faults,
            throttle,
            bare_repository(tmp_path, {"Jenkinsfile": "pipeline { agent any }\n"}),
        )


@pytest.mark.parametrize(
    ("description", "owner"), [("Team folder", None), (f"x [landing-zone {THEIRS}]", THEIRS)]
)
def test_a_folder_not_marked_by_us_is_refused_and_left_untouched(
    setup: Setup, description: str, owner: str | None
) -> None:
    setup.server.create_job("retail", FOLDER.format("Retail"))
    setup.server.create_job("retail/app", FOLDER.format(description))
    setup.server.create_job("retail/app/build", pipeline_xml(setup.repo_url))
    before = {name: setup.config(name) for name in ("retail", "retail/app", "retail/app/build")}

    with pytest.raises(ForeignResource) as adopted:
        setup.pipelines.ensure_folder("retail/app", "Payments", OURS)
    with pytest.raises(ForeignResource) as replaced:
        setup.pipelines.ensure_pipeline("retail/app/build", setup.definition(), OURS)
    with pytest.raises(ForeignResource) as deleted:
        setup.pipelines.delete_item("retail/app", OURS)

    assert adopted.value.owner == deleted.value.owner == owner
    assert replaced.value.owner is None
    assert {name: setup.config(name) for name in before} == before
    assert [j["fullname"] for j in setup.server.get_all_jobs()] == list(before)
    assert setup.pipelines.find_item("retail/app") == PipelineItem(
        "retail/app", f"{setup.url}/job/retail/job/app/", owner, is_folder=True
    )


def test_existing_parents_are_used_as_they_are_and_only_the_leaf_is_marked(setup: Setup) -> None:
    setup.server.create_job("retail", FOLDER.format("Owned by the retail platform team"))
    parent = setup.config("retail")

    url = setup.pipelines.ensure_folder("retail/cards/payments", "Payments API", OURS)

    assert url == f"{setup.url}/job/retail/job/cards/job/payments/"
    assert setup.config("retail") == parent
    cards, payments = (
        setup.pipelines.find_item(n) for n in ("retail/cards", "retail/cards/payments")
    )
    assert cards is not None and cards.owner is None and cards.is_folder
    assert payments is not None and payments.owner == OURS
    assert f"<description>Payments API [landing-zone {OURS}]</description>" in setup.config(
        "retail/cards/payments"
    )


def test_a_parent_that_is_not_a_folder_is_refused_and_nothing_is_made(setup: Setup) -> None:
    setup.server.create_job("retail", pipeline_xml(setup.repo_url))

    with pytest.raises(PermanentError) as refused:
        setup.pipelines.ensure_folder("retail/cards/payments", "Payments API", OURS)

    assert "retail exists and is not a folder" in str(refused.value)
    assert [j["fullname"] for j in setup.server.get_all_jobs()] == ["retail"]


def test_the_create_request_itself_carries_the_marker(setup: Setup) -> None:
    setup.faults.rules.append(
        FaultRule(path=r"^/createItem$", method="POST", status=502, after_effect=True)
    )
    with pytest.raises(TransientError):
        setup.pipelines.ensure_folder("payments", "Payments API", OURS)
    assert f"[landing-zone {OURS}]" in setup.config("payments")

    assert setup.pipelines.ensure_folder("payments", "Payments API", OURS).endswith("/payments/")
    assert [j["fullname"] for j in setup.server.get_all_jobs()] == ["payments"]


def test_our_job_is_reconfigured_found_and_deleted_but_never_by_another_zone(setup: Setup) -> None:
    setup.pipelines.ensure_folder("payments", "Payments API", OURS)
    setup.pipelines.ensure_pipeline("payments/build", setup.definition("first"), OURS)
    setup.pipelines.ensure_pipeline("payments/build", setup.definition("second"), OURS)
    assert setup.server.get_job_info("payments/build")["description"] == (
        f"second [landing-zone {OURS}]"
    )
    with pytest.raises(ForeignResource):
        setup.pipelines.ensure_pipeline("payments/build", setup.definition(), THEIRS)
    with pytest.raises(ForeignResource):
        setup.pipelines.delete_item("payments", THEIRS)
    item = setup.pipelines.find_item("payments/build")
    assert item is not None and item.owner == OURS and not item.is_folder

    setup.pipelines.delete_item("payments", OURS)
    setup.pipelines.delete_item("payments", OURS)
    assert setup.pipelines.find_item("payments") is None
    assert setup.server.get_all_jobs() == []


def test_build_url_follows_the_queue_item_to_its_build(setup: Setup) -> None:
    setup.pipelines.ensure_pipeline("build", setup.definition(), OURS)
    queued = setup.pipelines.trigger_build("build", {})

    assert setup.pipelines.build_url(queued) is None  # in the quiet period
    url = wait_for(lambda: setup.pipelines.build_url(queued), "the build to start", timeout=20)
    assert url == f"{setup.url}/job/build/1/"

    # Jenkins forgets queue items a while after they left: the build still names its item.
    setup.throttle.refusals.append(Refusal(rf"^/queue/item/{queued.queue_id}/", 404, None))
    assert setup.pipelines.build_url(queued) == url


def test_a_cancelled_queue_item_is_a_permanent_error(setup: Setup) -> None:
    setup.pipelines.ensure_pipeline("build", setup.definition(), OURS)
    queued = setup.pipelines.trigger_build("build", {})
    setup.server.delete_job("build")  # cancels what it had in the queue

    with pytest.raises(PermanentError) as cancelled:
        setup.pipelines.build_url(queued)
    assert "cancelled" in str(cancelled.value)


def test_the_push_hook_url_is_the_git_plugins_notify_commit_with_its_token(setup: Setup) -> None:
    clone_url = "http://bitbucket.example:7990/scm/pay/payments-api.git"
    hook = urlsplit(setup.pipelines.push_hook_url(clone_url))

    assert f"{hook.scheme}://{hook.netloc}{hook.path}" == f"{setup.url}/git/notifyCommit"
    assert parse_qs(hook.query) == {"url": [clone_url], "token": ["n0t1fy"]}
    tokenless = JenkinsPipelineServer(
        JenkinsSettings(
            url=setup.url,
            username=USER,
            token=SecretStr(TOKEN),
            notify_commit_token=SecretStr(""),
        ),
        timeout_s=10,
    )
    assert parse_qs(urlsplit(tokenless.push_hook_url(clone_url)).query) == {"url": [clone_url]}
