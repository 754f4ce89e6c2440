"""JenkinsPipelineServer against the Jenkins sandbox, checked through python-jenkins."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jenkins
import pytest
from pydantic import SecretStr

from landingzone.integrations.base import ForeignResource, PermanentError, TransientError
from landingzone.integrations.jenkins.config import JenkinsSettings
from landingzone.integrations.jenkins.jobs import promote_pipeline_xml
from landingzone.integrations.jenkins.plugin import JenkinsPipelineServer
from landingzone.integrations.pipelines import (
    FolderSettings,
    PipelineDefinition,
    PipelineParameter,
    SharedLibrary,
)
from tests.support.jenkins_jobs import bare_repository
from tests.support.sandbox import wait_for
from tests.support.simulators import FaultInjector, JenkinsSimSettings, free_port, serving
from tests.support.simulators import jenkins_app as create_app

USER, TOKEN = "landingzone", "tok-5b1e9f0c2d7a4e8b"
PIPELINE = "pipeline { agent any }\n"
OWNER = "lz_0001payments"
MARKER = "[landing-zone lz_0001payments]"
HOSTILE = '</description><script>alert("x")</script> & ]]> <!-- ${env.SECRET} \x07\x00 é'


@dataclass(frozen=True)
class Setup:
    url: str
    pipelines: JenkinsPipelineServer
    server: jenkins.Jenkins
    repo_url: str

    def fault(self, **rule: Any) -> None:
        httpx.post(f"{self.url}/_sandbox/faults", json=rule, timeout=10).raise_for_status()


def pipelines_for(url: str, token: str = TOKEN, timeout: float = 10) -> JenkinsPipelineServer:
    config = JenkinsSettings(url=url, username=USER, token=SecretStr(token))
    return JenkinsPipelineServer(config, timeout_s=timeout)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    port = free_port()
    settings = JenkinsSimSettings(
        data_dir=tmp_path / "jenkins",
        base_url=f"http://127.0.0.1:{port}",
        users={USER: TOKEN},
        git_credentials={"bitbucket-http": ("svc", "pw")},
    )
    with serving(FaultInjector(create_app(settings)), port=port) as running:
        yield Setup(
            running.url,
            pipelines_for(running.url),
            jenkins.Jenkins(running.url, USER, TOKEN, timeout=10),
            bare_repository(
                tmp_path,
                {"Jenkinsfile": PIPELINE, "Jenkinsfile.promote": PIPELINE},
            ),
        )


def build_pipeline(setup: Setup, description: str = "Builds payments-api") -> PipelineDefinition:
    return PipelineDefinition(setup.repo_url, "bitbucket-http", "main", "Jenkinsfile", description)


def one_finished_build(server: jenkins.Jenkins, job: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        info: dict[str, Any] = server.get_job_info(job)
        last = info["lastCompletedBuild"]
        return info if last and not info["inQueue"] else None

    return wait_for(done, f"a finished build of {job}", timeout=30)


def test_replaying_every_step_makes_one_folder_one_job_and_one_build(setup: Setup) -> None:
    pipelines, server = setup.pipelines, setup.server
    job = "retail/payments-api/build"

    folder_urls = {
        pipelines.ensure_folder("retail/payments-api", "Payments API", OWNER) for _ in "ab"
    }
    job_urls = {pipelines.ensure_pipeline(job, build_pipeline(setup), OWNER) for _ in "ab"}
    first, second = (pipelines.trigger_build(job, {}) for _ in "ab")

    assert folder_urls == {f"{setup.url}/job/retail/job/payments-api/"}
    assert job_urls == {f"{setup.url}/job/retail/job/payments-api/job/build/"}
    assert [j["fullname"] for j in server.get_all_jobs()] == ["retail", "retail/payments-api", job]
    assert server.get_job_info("retail/payments-api")["description"] == f"Payments API {MARKER}"
    assert server.get_job_info("retail")["description"] == ""
    assert first == second and first.job_url == job_urls.pop()
    info = one_finished_build(server, job)
    assert pipelines.trigger_build(job, {}) == first
    assert [b["number"] for b in server.get_job_info(job)["builds"]] == [1]
    assert info["lastSuccessfulBuild"]["number"] == 1
    assert server.get_build_info(job, 1)["queueId"] == first.queue_id


def test_ensure_pipeline_replaces_the_configuration_of_an_existing_job(setup: Setup) -> None:
    setup.pipelines.ensure_pipeline("build", build_pipeline(setup, "first"), OWNER)
    setup.pipelines.ensure_pipeline("build", build_pipeline(setup, "second"), OWNER)
    assert setup.server.get_job_info("build")["description"] == f"second {MARKER}"


def test_the_promote_job_offers_version_and_target_environment(setup: Setup) -> None:
    promote = PipelineDefinition(
        setup.repo_url,
        "bitbucket-http",
        "main",
        "Jenkinsfile.promote",
        "Promotes payments-api",
        parameters=(
            PipelineParameter("VERSION", "Image version to promote"),
            PipelineParameter("TARGET_ENVIRONMENT", "Where to deploy", ("dev", "test", "prod")),
        ),
    )
    setup.pipelines.ensure_pipeline("promote", promote, OWNER)

    properties = setup.server.get_job_info("promote")["property"]
    definitions = {d["name"]: d for p in properties for d in p.get("parameterDefinitions", [])}
    assert definitions["VERSION"]["type"] == "StringParameterDefinition"
    assert definitions["TARGET_ENVIRONMENT"]["type"] == "ChoiceParameterDefinition"
    assert definitions["TARGET_ENVIRONMENT"]["choices"] == ["dev", "test", "prod"]

    queued = setup.pipelines.trigger_build(
        "promote", {"VERSION": "1.0.3", "TARGET_ENVIRONMENT": "prod"}
    )
    assert setup.server.get_queue_item(queued.queue_id)["params"] == (
        "\nVERSION=1.0.3\nTARGET_ENVIRONMENT=prod"
    )


def test_a_config_xml_from_promote_pipeline_xml_is_accepted_as_is(setup: Setup) -> None:
    xml = promote_pipeline_xml(setup.repo_url, "bitbucket-http", environments=["qa", "live"])
    setup.server.create_job("promote", xml)
    definitions = setup.server.get_job_info("promote")["property"][0]["parameterDefinitions"]
    assert [d["name"] for d in definitions] == ["VERSION", "TARGET_ENVIRONMENT"]
    assert definitions[1]["defaultParameterValue"]["value"] == "qa"


def test_hostile_descriptions_arrive_as_plain_text(setup: Setup) -> None:
    setup.pipelines.ensure_folder("team", HOSTILE, OWNER)
    setup.pipelines.ensure_pipeline("team/build", build_pipeline(setup, HOSTILE), OWNER)

    expected = HOSTILE.replace("\x07", "").replace("\x00", "") + f" {MARKER}"
    assert setup.server.get_job_info("team")["description"] == expected
    assert setup.server.get_job_info("team/build")["description"] == expected
    assert setup.server.get_job_info("team")["jobs"][0]["name"] == "build"


def test_delete_item_removes_the_tree_and_accepts_a_missing_item(setup: Setup) -> None:
    setup.pipelines.ensure_folder("retail/app", "", OWNER)
    setup.pipelines.ensure_pipeline("retail/app/build", build_pipeline(setup), OWNER)

    setup.pipelines.delete_item("retail/app", OWNER)
    setup.pipelines.delete_item("retail/app", OWNER)

    assert setup.server.job_exists("retail/app/build") is None
    assert setup.server.is_folder("retail")


def test_refusals_are_permanent_and_never_show_the_token(setup: Setup) -> None:
    setup.pipelines.ensure_pipeline("build", build_pipeline(setup), OWNER)
    wrong_token = "wrong-token-31337"
    failures: list[PermanentError] = []
    for call in (
        lambda: pipelines_for(setup.url, wrong_token).ensure_folder("retail", "", OWNER),
        lambda: setup.pipelines.ensure_pipeline("missing/build", build_pipeline(setup), OWNER),
        lambda: setup.pipelines.trigger_build("ghost", {}),
        lambda: setup.pipelines.ensure_folder("build/inner", "", OWNER),
        lambda: setup.pipelines.ensure_pipeline("bad;name", build_pipeline(setup), OWNER),
    ):
        with pytest.raises(PermanentError) as refused:
            call()
        failures.append(refused.value)
    assert all(f.system == "jenkins" and not f.transient for f in failures)
    assert wrong_token not in str(failures[0]) and TOKEN not in " ".join(map(str, failures))
    assert "401" in str(failures[0])


def test_unreachable_or_failing_jenkins_is_transient(setup: Setup) -> None:
    with pytest.raises(TransientError):
        pipelines_for(f"http://127.0.0.1:{free_port()}", timeout=2).ensure_folder(
            "retail", "", OWNER
        )

    setup.fault(method="GET", path="/job/retail/api/json", status=503, times=1)
    with pytest.raises(TransientError) as unavailable:
        setup.pipelines.ensure_folder("retail", "", OWNER)
    assert TOKEN not in str(unavailable.value)
    assert setup.server.job_exists("retail") is None

    setup.fault(method="GET", path="/job/retail/api/json", status=500, times=1)
    with pytest.raises(TransientError):
        setup.pipelines.ensure_folder("retail", "", OWNER)


def test_a_call_that_took_effect_behind_an_error_is_not_repeated(setup: Setup) -> None:
    setup.fault(method="POST", path=r"^/createItem$", status=502, after_effect=True)
    with pytest.raises(TransientError):
        setup.pipelines.ensure_pipeline("build", build_pipeline(setup), OWNER)
    setup.pipelines.ensure_pipeline("build", build_pipeline(setup), OWNER)
    assert [j["name"] for j in setup.server.get_all_jobs()] == ["build"]

    setup.fault(method="POST", path=r"/job/build/build$", status=502, after_effect=True)
    with pytest.raises(TransientError):
        setup.pipelines.trigger_build("build", {})
    replayed = setup.pipelines.trigger_build("build", {})
    one_finished_build(setup.server, "build")
    assert [b["number"] for b in setup.server.get_job_info("build")["builds"]] == [1]
    assert setup.server.get_build_info("build", 1)["queueId"] == replayed.queue_id


LIBRARY_CLONE = "http://bitbucket.example.test/scm/platform/jenkins-library.git"
CREDENTIALS_STORE = (
    "<com.cloudbees.hudson.plugins.folder.properties.FolderCredentialsProvider_-"
    "FolderCredentialsProperty><domainCredentialsMap/></com.cloudbees.hudson.plugins.folder."
    "properties.FolderCredentialsProvider_-FolderCredentialsProperty>"
)


def folder_settings(version: str, image: str = "nexus.example.test/retail/app") -> FolderSettings:
    library = SharedLibrary("landingzone", version, LIBRARY_CLONE, "bitbucket-http")
    return FolderSettings(library, {"IMAGE": image, "REGISTRY": "nexus.example.test"})


def pinned(config_xml: str) -> dict[str, str]:
    root = ET.fromstring(config_xml)  # noqa: S314 - our own simulator's answer
    library = root.find(
        "properties/org.jenkinsci.plugins.workflow.libs.FolderLibraries/libraries/"
        "org.jenkinsci.plugins.workflow.libs.LibraryConfiguration"
    )
    assert library is not None
    retriever, source = library.find("retriever"), library.find("retriever/scm")
    assert retriever is not None and source is not None
    assert retriever.get("class") == "org.jenkinsci.plugins.workflow.libs.SCMSourceRetriever"
    assert source.get("class") == "jenkins.plugins.git.GitSCMSource"
    fields = {child.tag: child.text or "" for child in library if child.tag != "retriever"}
    fields.update({f"scm.{child.tag}": child.text or "" for child in source})
    properties = root.findall(
        "properties/com.mig82.folders.properties.FolderProperties/properties/"
        "com.mig82.folders.properties.StringProperty"
    )
    fields.update({f"env.{p.findtext('key')}": p.findtext("value") or "" for p in properties})
    return fields


def test_the_folder_pins_the_library_and_carries_the_platform_settings(setup: Setup) -> None:
    setup.pipelines.ensure_folder("retail/app", "Payments", OWNER, folder_settings("1.0.0"))

    fields = pinned(setup.server.get_job_config("retail/app"))
    assert fields["name"] == "landingzone"
    assert fields["defaultVersion"] == "1.0.0"
    assert fields["implicit"] == fields["allowVersionOverride"] == "false"
    assert fields["scm.remote"] == LIBRARY_CLONE
    assert fields["scm.credentialsId"] == "bitbucket-http"
    assert fields["env.IMAGE"] == "nexus.example.test/retail/app"
    assert fields["env.REGISTRY"] == "nexus.example.test"


def test_an_owned_folder_gets_the_new_pin_and_keeps_the_rest_of_its_configuration(
    setup: Setup,
) -> None:
    setup.pipelines.ensure_folder("app", "Payments", OWNER, folder_settings("1.0.0"))
    config = setup.server.get_job_config("app").replace(
        "<properties>", f"<properties>{CREDENTIALS_STORE}", 1
    )
    setup.server.reconfig_job("app", config)

    setup.pipelines.ensure_folder("app", "Payments", OWNER, folder_settings("1.1.0", "x/y/z"))

    updated = setup.server.get_job_config("app")
    assert pinned(updated)["defaultVersion"] == "1.1.0"
    assert pinned(updated)["env.IMAGE"] == "x/y/z"
    assert "FolderCredentialsProvider_-FolderCredentialsProperty" in updated
    assert updated.count("</org.jenkinsci.plugins.workflow.libs.FolderLibraries>") == 1
    assert setup.server.get_job_info("app")["description"] == f"Payments {MARKER}"


def test_a_folder_of_someone_else_keeps_its_configuration(setup: Setup) -> None:
    setup.pipelines.ensure_folder("app", "Payments", "lz_0002other", folder_settings("1.0.0"))
    before = setup.server.get_job_config("app")

    with pytest.raises(ForeignResource):
        setup.pipelines.ensure_folder("app", "Payments", OWNER, folder_settings("9.9.9"))

    assert setup.server.get_job_config("app") == before
