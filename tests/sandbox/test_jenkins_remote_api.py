"""Items, security and errors of the Jenkins sandbox, driven through python-jenkins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

import httpx
import jenkins
import pytest
import requests

from landingzone_sandbox.jenkins import JenkinsSimSettings, create_app
from landingzone_sandbox.serving import free_port, serving

USER, TOKEN = "platform-bot", "11a2b3c4d5e6f7a8b9c0"
FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"
PIPELINE = "org.jenkinsci.plugins.workflow.job.WorkflowJob"


def pipeline_xml(description: str = "", script: str = "echo 'hi'") -> str:
    return (
        "<?xml version='1.1' encoding='UTF-8'?>\n"
        f"<flow-definition plugin='workflow-job'><description>{escape(description)}</description>"
        "<keepDependencies>false</keepDependencies><properties/>"
        "<definition class='org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition'>"
        f"<script>{escape(script)}</script><sandbox>true</sandbox></definition>"
        "<triggers/><disabled>false</disabled></flow-definition>"
    )


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with running(tmp_path, anonymous_read=False) as address:
        yield address


@contextmanager
def running(tmp_path: Path, anonymous_read: bool) -> Iterator[str]:
    port = free_port()
    settings = JenkinsSimSettings(
        data_dir=tmp_path / "jenkins",
        base_url=f"http://127.0.0.1:{port}",
        users={USER: TOKEN},
        git_credentials={},
        anonymous_read=anonymous_read,
    )
    with serving(create_app(settings), port=port) as server:
        yield server.url


@pytest.fixture
def server(url: str) -> jenkins.Jenkins:
    return jenkins.Jenkins(url, USER, TOKEN, timeout=10)


def test_version_is_refused_to_anonymous_callers_unless_anonymous_read_is_on(
    url: str, server: jenkins.Jenkins, tmp_path: Path
) -> None:
    with pytest.raises(jenkins.BadHTTPException):
        server.get_version()  # python-jenkins sends its first call without credentials
    anonymous = httpx.get(url + "/", timeout=10)
    assert anonymous.status_code == 403 and anonymous.headers["X-Jenkins"] == "2.440.3"

    assert server.get_whoami()["id"] == USER
    assert server.get_version() == "2.440.3"

    with running(tmp_path / "open", anonymous_read=True) as open_url:
        assert jenkins.Jenkins(open_url, USER, TOKEN).get_version() == "2.440.3"


def test_whoami_names_the_token_owner_and_a_wrong_token_is_refused(url: str) -> None:
    me = jenkins.Jenkins(url, USER, TOKEN).get_whoami()
    assert me["_class"] == "hudson.model.User" and me["id"] == USER
    assert me["absoluteUrl"] == f"{url}/user/{USER}"

    with pytest.raises(jenkins.JenkinsException, match=r"\[401\]"):
        jenkins.Jenkins(url, USER, "not-the-token").get_whoami()


def test_posts_need_the_crumb_of_the_caller(url: str, server: jenkins.Jenkins) -> None:
    server.get_whoami()
    crumb = server.crumb
    assert crumb["crumbRequestField"] == "Jenkins-Crumb"
    create = f"{url}/createItem?name=team&mode={FOLDER}"
    with httpx.Client(auth=(USER, TOKEN), timeout=10) as raw:
        without = raw.post(create)
        wrong = raw.post(create, headers={"Jenkins-Crumb": "forged"})
        anonymous = httpx.post(create, headers={"Jenkins-Crumb": crumb["crumb"]}, timeout=10)
        assert without.status_code == wrong.status_code == anonymous.status_code == 403
        assert "crumb" in without.text
        assert server.job_exists("team") is None

        accepted = raw.post(create, headers={"Jenkins-Crumb": crumb["crumb"]})
    assert accepted.status_code == 200
    assert server.is_folder("team")


def test_nested_folders_are_listed_by_their_parents(server: jenkins.Jenkins, url: str) -> None:
    server.create_folder("retail")
    server.create_folder("retail/payments")
    server.create_folder("retail/payments/apis")

    retail = server.get_job_info("retail")
    assert retail["_class"] == FOLDER and retail["fullName"] == "retail"
    assert retail["jobs"] == [
        {"_class": FOLDER, "name": "payments", "url": f"{url}/job/retail/job/payments/"}
    ]
    assert server.get_job_info("retail/payments/apis")["url"] == (
        f"{url}/job/retail/job/payments/job/apis/"
    )
    assert server.is_folder("retail/payments")
    assert [job["fullname"] for job in server.get_all_jobs()] == [
        "retail",
        "retail/payments",
        "retail/payments/apis",
    ]


def test_tree_answers_exactly_what_it_names_and_prunes_what_it_does_not(
    server: jenkins.Jenkins, url: str
) -> None:
    server.create_folder("retail")
    server.create_folder("retail/payments")
    server.create_job("retail/payments/build", pipeline_xml("Builds"))
    server.create_job("retail/ledger", pipeline_xml())

    def tree(path: str, spec: str) -> object:
        answer = httpx.get(
            f"{url}{path}api/json", params={"tree": spec}, auth=(USER, TOKEN), timeout=10
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert tree("/job/retail/", "name,url") == {
        "_class": FOLDER,
        "name": "retail",
        "url": f"{url}/job/retail/",
    }
    assert tree("/", "jobs[name,jobs[name,jobs[name,color]]]") == {
        "_class": "hudson.model.Hudson",
        "jobs": [
            {
                "_class": FOLDER,
                "name": "retail",
                "jobs": [
                    {"_class": PIPELINE, "name": "ledger"},
                    {
                        "_class": FOLDER,
                        "name": "payments",
                        "jobs": [{"_class": PIPELINE, "name": "build", "color": "notbuilt"}],
                    },
                ],
            }
        ],
    }
    # Named without a sub-tree, objects keep only their class (python-jenkins relies on it to
    # know when a folder must be read on its own); a range takes part of a list.
    assert tree("/job/retail/", "jobs") == {
        "_class": FOLDER,
        "jobs": [{"_class": PIPELINE}, {"_class": FOLDER}],
    }
    assert tree("/job/retail/", "jobs[name]{1,}") == {
        "_class": FOLDER,
        "jobs": [{"_class": FOLDER, "name": "payments"}],
    }
    assert [j["fullname"] for j in server.get_all_jobs(folder_depth_per_request=1)] == [
        "retail",
        "retail/ledger",
        "retail/payments",
        "retail/payments/build",
    ]


def test_folder_creation_fails_when_it_exists_or_its_parent_is_missing(
    server: jenkins.Jenkins,
) -> None:
    server.create_folder("retail")
    with pytest.raises(jenkins.JenkinsException, match="Probably it already exists"):
        server.create_folder("retail")
    with pytest.raises(jenkins.NotFoundException):
        server.create_folder("nowhere/team")


def test_jobs_are_created_inside_folders_and_found_by_name(
    server: jenkins.Jenkins, url: str
) -> None:
    server.create_folder("retail")
    assert server.job_exists("retail/build") is None

    server.create_job("retail/build", pipeline_xml("Builds the app"))

    assert server.job_exists("retail/build") is True
    info = server.get_job_info("retail/build")
    assert info["_class"] == PIPELINE
    assert (info["name"], info["fullName"]) == ("build", "retail/build")
    assert info["url"] == f"{url}/job/retail/job/build/"
    assert info["description"] == "Builds the app"
    assert (info["nextBuildNumber"], info["builds"], info["lastBuild"]) == (1, [], None)
    assert (info["color"], info["inQueue"], info["buildable"]) == ("notbuilt", False, True)
    named = httpx.get(
        f"{url}/job/retail/job/build/api/json",
        params={"tree": "name"},
        auth=(USER, TOKEN),
        timeout=10,
    ).json()
    assert named == {"_class": PIPELINE, "name": "build"}


def test_creating_a_job_twice_or_in_a_missing_folder_fails(
    server: jenkins.Jenkins, url: str
) -> None:
    server.create_folder("retail")
    server.create_job("retail/build", pipeline_xml())

    with pytest.raises(jenkins.JenkinsException, match="already exists"):
        server.create_job("retail/build", pipeline_xml())
    with pytest.raises(jenkins.JenkinsException, match="folder for the job does not exist"):
        server.create_job("wholesale/build", pipeline_xml())

    crumb = server.crumb["crumb"]
    duplicate = httpx.post(
        f"{url}/job/retail/createItem?name=build",
        content=pipeline_xml(),
        headers={"Jenkins-Crumb": crumb, "Content-Type": "text/xml; charset=utf-8"},
        auth=(USER, TOKEN),
        timeout=10,
    )
    assert duplicate.status_code == 400
    assert duplicate.text == "A job already exists with the name \u2018build\u2019"


def test_names_jenkins_refuses_are_refused(server: jenkins.Jenkins) -> None:
    with pytest.raises(requests.HTTPError) as refused:
        server.create_job("bad;name", pipeline_xml())
    assert refused.value.response.status_code == 400
    assert "unsafe character" in refused.value.response.text


def test_reconfiguring_replaces_the_config_xml(server: jenkins.Jenkins) -> None:
    server.create_job("build", pipeline_xml("first"))

    server.reconfig_job("build", pipeline_xml("second & <better>"))

    assert "second &amp; &lt;better&gt;" in server.get_job_config("build")
    assert server.get_job_info("build")["description"] == "second & <better>"
    with pytest.raises(jenkins.NotFoundException):
        server.reconfig_job("missing", pipeline_xml())


def test_config_xml_that_is_not_a_job_is_refused(server: jenkins.Jenkins) -> None:
    server.create_job("build", pipeline_xml())
    with pytest.raises(requests.HTTPError) as malformed:
        server.create_job("broken", "<flow-definition><description>")
    assert malformed.value.response.status_code == 400
    with pytest.raises(requests.HTTPError) as expanding:
        server.reconfig_job(
            "build", '<!DOCTYPE x [<!ENTITY a "aaaa">]><flow-definition>&a;</flow-definition>'
        )
    assert expanding.value.response.status_code == 400
    assert server.job_exists("broken") is None


def test_deleting_a_folder_deletes_everything_inside(server: jenkins.Jenkins) -> None:
    server.create_folder("retail")
    server.create_folder("retail/payments")
    server.create_job("retail/payments/build", pipeline_xml())
    server.create_folder("retail-other")

    server.delete_job("retail")

    assert server.job_exists("retail") is None
    assert server.job_exists("retail/payments/build") is None
    assert server.job_exists("retail-other") is True
    with pytest.raises(jenkins.NotFoundException):
        server.delete_job("retail")


def test_missing_items_answer_404_as_python_jenkins_expects(server: jenkins.Jenkins) -> None:
    with pytest.raises(jenkins.JenkinsException, match=r"job\[ghost\] does not exist"):
        server.get_job_info("ghost")
    with pytest.raises(jenkins.NotFoundException):
        server.build_job("ghost")
    with pytest.raises(jenkins.JenkinsException, match=r"queue number\[999\] does not exist"):
        server.get_queue_item(999)
