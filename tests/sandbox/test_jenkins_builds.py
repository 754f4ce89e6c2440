"""Queue, builds, console logs and restarts of the Jenkins sandbox, through python-jenkins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jenkins
import pytest
import requests

from landingzone_sandbox.jenkins import JenkinsSimSettings, create_app
from landingzone_sandbox.serving import free_port, serving
from tests.support.jenkins_jobs import bare_repository, git, pipeline_xml
from tests.support.sandbox import wait_for

USER, TOKEN = "platform-bot", "11a2b3c4d5e6f7a8b9c0"
HOOK_SECRET = "hook-secret-42"
NOTIFY_TOKEN = "5f1c0de4a3b2c1d0e9f8a7b6c5d4e3f2"
PROMOTE_PARAMETERS = (
    "<hudson.model.ParametersDefinitionProperty><parameterDefinitions>"
    "<hudson.model.StringParameterDefinition><name>VERSION</name><description>v</description>"
    "<defaultValue>latest</defaultValue></hudson.model.StringParameterDefinition>"
    "<hudson.model.ChoiceParameterDefinition><name>TARGET_ENVIRONMENT</name><description/>"
    "<choices class='java.util.Arrays$ArrayList'><a class='string-array'>"
    "<string>dev</string><string>test</string><string>prod</string></a></choices>"
    "</hudson.model.ChoiceParameterDefinition></parameterDefinitions>"
    "</hudson.model.ParametersDefinitionProperty>"
)


@contextmanager
def running(data_dir: Path, quiet_period_s: float = 0.0) -> Iterator[str]:
    port = free_port()
    settings = JenkinsSimSettings(
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{port}",
        users={USER: TOKEN},
        git_credentials={"bitbucket-http": ("jenkins", "git-password")},
        webhook_secret=HOOK_SECRET,
        quiet_period_s=quiet_period_s,
        notify_commit_tokens=(NOTIFY_TOKEN,),
    )
    with serving(create_app(settings), port=port) as server:
        yield server.url


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with running(tmp_path / "jenkins") as address:
        yield address


@pytest.fixture
def server(url: str) -> jenkins.Jenkins:
    return jenkins.Jenkins(url, USER, TOKEN, timeout=10)


@pytest.fixture
def repo_url(tmp_path: Path) -> str:
    return bare_repository(tmp_path, {"Jenkinsfile": "pipeline { agent any }\n"})


def left_queue(server: jenkins.Jenkins, queue_id: int) -> dict[str, Any]:
    def left() -> dict[str, Any] | None:
        item: dict[str, Any] = server.get_queue_item(queue_id)
        return item if item["_class"] == "hudson.model.Queue$LeftItem" else None

    return wait_for(left, f"queue item {queue_id} to leave the queue", timeout=20)


def finished(server: jenkins.Jenkins, job: str, number: int) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        build: dict[str, Any] = server.get_build_info(job, number)
        return None if build["building"] else build

    return wait_for(done, f"{job} #{number} to finish", timeout=30)


def test_a_build_fetches_the_jenkinsfile_from_git_and_succeeds(
    server: jenkins.Jenkins, repo_url: str, url: str
) -> None:
    server.create_folder("retail")
    server.create_job("retail/build", pipeline_xml(repo_url))

    queue_id = server.build_job("retail/build")
    item = left_queue(server, queue_id)
    assert item["task"]["name"] == "build" and item["cancelled"] is False
    assert item["executable"]["number"] == 1
    assert item["executable"]["url"] == f"{url}/job/retail/job/build/1/"

    build = finished(server, "retail/build", 1)
    assert (build["result"], build["queueId"], build["number"]) == ("SUCCESS", queue_id, 1)
    assert build["fullDisplayName"] == "retail » build #1"
    console = server.get_build_console_output("retail/build", 1)
    assert f"Started by user {USER}" in console and "Checking out Revision" in console
    assert console.rstrip().endswith("Finished: SUCCESS")
    job = server.get_job_info("retail/build")
    assert job["lastBuild"]["number"] == job["lastSuccessfulBuild"]["number"] == 1
    assert (job["nextBuildNumber"], job["color"], job["inQueue"]) == (2, "blue", False)


def test_a_missing_jenkinsfile_or_branch_fails_the_build_with_a_console_log(
    server: jenkins.Jenkins, repo_url: str
) -> None:
    server.create_job("no-script", pipeline_xml(repo_url, script_path="ci/Jenkinsfile"))
    server.create_job("no-branch", pipeline_xml(repo_url, branch="release"))

    for job in ("no-script", "no-branch"):
        number = left_queue(server, server.build_job(job))["executable"]["number"]
        assert finished(server, job, number)["result"] == "FAILURE"
        assert server.get_job_info(job)["color"] == "red"
    assert "Unable to find ci/Jenkinsfile" in server.get_build_console_output("no-script", 1)
    assert "git-password" not in server.get_build_console_output("no-branch", 1)


def test_parameters_come_from_the_config_xml_and_reach_the_build(
    server: jenkins.Jenkins, repo_url: str
) -> None:
    server.create_job("promote", pipeline_xml(repo_url, parameters=PROMOTE_PARAMETERS))
    definitions = server.get_job_info("promote")["property"][0]["parameterDefinitions"]
    assert [(d["name"], d["type"]) for d in definitions] == [
        ("VERSION", "StringParameterDefinition"),
        ("TARGET_ENVIRONMENT", "ChoiceParameterDefinition"),
    ]
    assert definitions[1]["choices"] == ["dev", "test", "prod"]
    assert definitions[0]["defaultParameterValue"]["value"] == "latest"

    queue_id = server.build_job("promote", {"VERSION": "1.4.2 rc", "TARGET_ENVIRONMENT": "test"})
    assert left_queue(server, queue_id)["params"] == "\nVERSION=1.4.2 rc\nTARGET_ENVIRONMENT=test"
    build = finished(server, "promote", 1)
    parameters = next(a for a in build["actions"] if a["_class"] == "hudson.model.ParametersAction")
    assert [(p["name"], p["value"]) for p in parameters["parameters"]] == [
        ("VERSION", "1.4.2 rc"),
        ("TARGET_ENVIRONMENT", "test"),
    ]

    defaulted = left_queue(server, server.build_job("promote", {"VERSION": "2"}))
    assert defaulted["params"] == "\nVERSION=2\nTARGET_ENVIRONMENT=dev"
    with pytest.raises(requests.HTTPError) as illegal:
        server.build_job("promote", {"TARGET_ENVIRONMENT": "moon"})
    assert illegal.value.response.status_code == 400


def test_parameterized_and_plain_jobs_refuse_the_other_build_endpoint(
    server: jenkins.Jenkins, repo_url: str
) -> None:
    server.create_job("promote", pipeline_xml(repo_url, parameters=PROMOTE_PARAMETERS))
    server.create_job("build", pipeline_xml(repo_url))
    for job, parameters in (("promote", None), ("build", {"A": "1"})):
        with pytest.raises(requests.HTTPError) as refused:
            server.build_job(job, parameters)
        assert refused.value.response.status_code == 400


def test_the_quiet_period_keeps_the_item_waiting_and_identical_requests_merge(
    tmp_path: Path, repo_url: str
) -> None:
    with running(tmp_path / "quiet", quiet_period_s=30) as address:
        server = jenkins.Jenkins(address, USER, TOKEN, timeout=10)
        server.create_job("build", pipeline_xml(repo_url))
        first, second = server.build_job("build"), server.build_job("build")
        item = server.get_queue_item(first)
        job = server.get_job_info("build")
    assert first == second
    assert item["_class"] == "hudson.model.Queue$WaitingItem"
    assert item["why"].startswith("In the quiet period.") and "executable" not in item
    assert job["inQueue"] is True and job["queueItem"]["id"] == first


def test_state_and_queued_builds_survive_a_restart(tmp_path: Path, repo_url: str) -> None:
    data_dir = tmp_path / "jenkins"
    with running(data_dir) as address:
        server = jenkins.Jenkins(address, USER, TOKEN, timeout=10)
        server.create_folder("retail")
        server.create_job("retail/build", pipeline_xml(repo_url))
        finished(
            server,
            "retail/build",
            left_queue(server, server.build_job("retail/build"))["executable"]["number"],
        )
    with running(data_dir, quiet_period_s=0.5) as address:
        server = jenkins.Jenkins(address, USER, TOKEN, timeout=10)
        queued = server.build_job("retail/build")
        assert server.get_queue_item(queued)["_class"] == "hudson.model.Queue$WaitingItem"
    with running(data_dir) as address:
        server = jenkins.Jenkins(address, USER, TOKEN, timeout=10)
        assert server.is_folder("retail")
        assert server.get_build_info("retail/build", 1)["result"] == "SUCCESS"
        assert left_queue(server, queued)["executable"]["number"] == 2
        assert finished(server, "retail/build", 2)["result"] == "SUCCESS"
        assert server.get_job_info("retail/build")["nextBuildNumber"] == 3


def test_the_page_lists_folders_jobs_and_build_results(
    server: jenkins.Jenkins, repo_url: str, url: str
) -> None:
    server.create_folder("retail")
    hostile = pipeline_xml(repo_url).replace(
        "<description/>", "<description>&lt;script&gt;alert(1)&lt;/script&gt;</description>"
    )
    server.create_job("retail/build", hostile)
    finished(
        server,
        "retail/build",
        left_queue(server, server.build_job("retail/build"))["executable"]["number"],
    )

    page = httpx.get(url + "/", auth=(USER, TOKEN), timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"{url}/job/retail/job/build/" in page.text
    assert "SUCCESS" in page.text and "/1/consoleText" in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text


# ---------------------------------------------------------------- shared libraries

LIBRARY_SCRIPT = "@Library('landingzone') _\n\nlandingZoneBuild(stack: 'maven')\n"


def folder_with_library(library_url: str, version: str, allow_override: bool = False) -> str:
    return (
        "<?xml version='1.1' encoding='UTF-8'?>"
        "<com.cloudbees.hudson.plugins.folder.Folder><description/><properties>"
        "<org.jenkinsci.plugins.workflow.libs.FolderLibraries><libraries>"
        "<org.jenkinsci.plugins.workflow.libs.LibraryConfiguration><name>landingzone</name>"
        "<retriever class='org.jenkinsci.plugins.workflow.libs.SCMSourceRetriever'>"
        f"<scm class='jenkins.plugins.git.GitSCMSource'><remote>{library_url}</remote>"
        "<credentialsId>bitbucket-http</credentialsId></scm></retriever>"
        f"<defaultVersion>{version}</defaultVersion><implicit>false</implicit>"
        f"<allowVersionOverride>{str(allow_override).lower()}</allowVersionOverride>"
        "</org.jenkinsci.plugins.workflow.libs.LibraryConfiguration>"
        "</libraries></org.jenkinsci.plugins.workflow.libs.FolderLibraries>"
        "</properties></com.cloudbees.hudson.plugins.folder.Folder>"
    )


def tagged_library(root: Path, tag: str) -> str:
    url = bare_repository(root, {"VERSION": f"{tag}\n"})
    git("tag", "-a", tag, "-m", tag, cwd=root / "work")
    git("push", "--quiet", url, tag, cwd=root / "work")
    return url


def console_of_first_build(server: jenkins.Jenkins, job: str) -> tuple[str, str]:
    left_queue(server, server.build_job(job))
    build = finished(server, job, 1)
    return build["result"], server.get_build_console_output(job, 1)


@pytest.mark.parametrize(
    ("script", "pinned", "result", "says"),
    [
        (LIBRARY_SCRIPT, "1.0.0", "SUCCESS", "Found match: refs/tags/1.0.0 revision "),
        (LIBRARY_SCRIPT, "1.0.0-missing", "FAILURE", "No version 1.0.0-missing found"),
        ("@Library('landingzone@main') _\n", "1.0.0", "FAILURE", "Version override not permitted"),
        ("@Library(['other', 'landingzone']) _\n", "1.0.0", "FAILURE",
         "Could not find any definition of libraries [other]"),
    ],
)  # fmt: skip
def test_a_script_loads_only_the_library_its_folder_pins(
    server: jenkins.Jenkins, tmp_path: Path, script: str, pinned: str, result: str, says: str
) -> None:
    library = tagged_library(tmp_path / "library", "1.0.0")
    project = bare_repository(tmp_path / "project", {"Jenkinsfile": script})
    server.create_job("team", folder_with_library(library, pinned))
    server.create_job("team/build", pipeline_xml(project))

    outcome, console = console_of_first_build(server, "team/build")

    assert (outcome, says in console) == (result, True), console
    if result == "SUCCESS":
        assert "Loading library landingzone@1.0.0" in console


def test_a_script_loading_a_library_outside_a_pinning_folder_fails(
    server: jenkins.Jenkins, tmp_path: Path
) -> None:
    server.create_job(
        "build", pipeline_xml(bare_repository(tmp_path, {"Jenkinsfile": LIBRARY_SCRIPT}))
    )
    outcome, console = console_of_first_build(server, "build")
    assert outcome == "FAILURE"
    assert "Could not find any definition of libraries [landingzone]" in console
