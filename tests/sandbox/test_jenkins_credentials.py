"""Folder credential stores of the Jenkins sandbox, driven through python-jenkins."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jenkins
import pytest

from landingzone_sandbox.jenkins import JenkinsSimSettings, create_app
from landingzone_sandbox.jenkins.store import folder_secret
from landingzone_sandbox.serving import free_port, serving

USER, TOKEN = "platform-bot", "11a2b3c4d5e6f7a8b9c0"
FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"
STRING = "org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl"
SECRET = "s3cr3t-<&>'\"]]>-é"
STORE = "job/team/job/api/credentials/store/folder/domain/_"


@dataclass(frozen=True)
class Jenkins:
    url: str
    data_dir: Path
    server: jenkins.Jenkins

    def raw(self) -> httpx.Client:
        """A signed-in client sending the caller's crumb, as a browser session would."""
        self.server.get_whoami()
        crumb = self.server.crumb
        return httpx.Client(
            base_url=self.url,
            auth=(USER, TOKEN),
            headers={crumb["crumbRequestField"]: crumb["crumb"]},
            timeout=10,
        )


def credential_xml(credential_id: str, secret: str, description: str = "") -> str:
    root = ET.Element(STRING)
    for tag, value in (("scope", "GLOBAL"), ("id", credential_id)):
        ET.SubElement(root, tag).text = value
    ET.SubElement(root, "description").text = description
    ET.SubElement(root, "secret").text = secret
    return ET.tostring(root, encoding="unicode")


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Jenkins]:
    port = free_port()
    settings = JenkinsSimSettings(
        data_dir=tmp_path / "jenkins",
        base_url=f"http://127.0.0.1:{port}",
        users={USER: TOKEN},
        git_credentials={},
        anonymous_read=True,
    )
    with serving(create_app(settings), port=port) as running:
        server = jenkins.Jenkins(running.url, USER, TOKEN, timeout=10)
        server.create_folder("team")
        server.create_folder("team/api")
        yield Jenkins(running.url, settings.data_dir, server)


def test_a_created_secret_is_readable_by_builds_but_never_answered(sim: Jenkins) -> None:
    sim.server.create_credential("team/api", credential_xml("deploy-token", SECRET, "Deploys"))

    info = sim.server.get_credential_info("deploy-token", "team/api")
    assert info["id"] == "deploy-token" and info["description"] == "Deploys"
    assert info["typeName"] == "Secret text"
    assert info["fullName"] == "team/api/folder/_/deploy-token"
    assert [c["id"] for c in sim.server.list_credentials("team/api")] == ["deploy-token"]
    assert folder_secret(sim.data_dir, "team/api", "deploy-token") == SECRET

    document = sim.server.get_credential_config("deploy-token", "team/api")
    config = ET.fromstring(document)  # noqa: S314 - the sandbox's answer
    assert config.tag == STRING and config.findtext("id") == "deploy-token"
    assert config.find("secret/secret-redacted") is not None
    assert not (config.findtext("secret") or "").strip()
    stored = b"".join(path.read_bytes() for path in sim.data_dir.iterdir())
    assert b"s3cr3t" not in stored


def test_a_second_credential_with_the_same_id_is_a_conflict(sim: Jenkins) -> None:
    sim.server.create_credential("team/api", credential_xml("deploy-token", "first"))
    with sim.raw() as raw:
        again = raw.post(
            f"/{STORE}/createCredentials",
            content=credential_xml("deploy-token", "second"),
            headers={"Content-Type": "application/xml"},
        )
        untyped = raw.post(f"/{STORE}/createCredentials", content=credential_xml("x", "y"))
    assert again.status_code == 409 and "second" not in again.text
    assert untyped.status_code == 400 and "Content-Type" in untyped.text
    assert folder_secret(sim.data_dir, "team/api", "deploy-token") == "first"
    assert folder_secret(sim.data_dir, "team/api", "x") is None


def test_reconfiguring_replaces_the_secret_but_not_the_id(sim: Jenkins) -> None:
    sim.server.create_credential("team/api", credential_xml("deploy-token", "first"))
    sim.server.reconfig_credential("team/api", credential_xml("deploy-token", "second", "New"))
    assert folder_secret(sim.data_dir, "team/api", "deploy-token") == "second"
    assert sim.server.get_credential_info("deploy-token", "team/api")["description"] == "New"

    with sim.raw() as raw:
        renamed = raw.post(
            f"/{STORE}/credential/deploy-token/config.xml",
            content=credential_xml("other-id", "third"),
        )
    assert renamed.status_code == 500 and "IDs do not match" in renamed.text
    assert folder_secret(sim.data_dir, "team/api", "deploy-token") == "second"


def test_unknown_credentials_stores_and_domains_are_not_found(sim: Jenkins) -> None:
    sim.server.create_job("team/api/build", jenkins.EMPTY_CONFIG_XML)
    with sim.raw() as raw:
        for path in (
            f"/{STORE}/credential/missing/api/json",
            f"/{STORE}/credential/missing/config.xml",
            "/job/team/job/nowhere/credentials/store/folder/domain/_/api/json",
            "/job/team/job/api/job/build/credentials/store/folder/domain/_/api/json",
            "/job/team/job/api/credentials/store/folder/domain/other/api/json",
        ):
            assert raw.get(path).status_code == 404, path
        assert raw.post(f"/{STORE}/credential/missing/doDelete").status_code == 404
    assert not sim.server.credential_exists("missing", "team/api")


def test_credentials_need_a_signed_in_user_and_posts_a_crumb(sim: Jenkins) -> None:
    sim.server.create_credential("team/api", credential_xml("deploy-token", SECRET))
    anonymous = httpx.get(f"{sim.url}/{STORE}/credential/deploy-token/config.xml", timeout=10)
    assert anonymous.status_code == 403 and "Credentials/View" in anonymous.text
    assert httpx.get(f"{sim.url}/job/team/job/api/api/json", timeout=10).status_code == 200

    document = credential_xml("deploy-token", "forged")
    without_crumb = httpx.post(
        f"{sim.url}/{STORE}/credential/deploy-token/config.xml",
        content=document,
        auth=(USER, TOKEN),
        timeout=10,
    )
    assert without_crumb.status_code == 403 and "crumb" in without_crumb.text
    assert folder_secret(sim.data_dir, "team/api", "deploy-token") == SECRET


def test_credentials_are_deleted_alone_or_with_their_folder(sim: Jenkins) -> None:
    for credential_id in ("one", "two", "three"):
        sim.server.create_credential("team/api", credential_xml(credential_id, credential_id))

    sim.server.delete_credential("one", "team/api")  # DELETE …/config.xml
    with sim.raw() as raw:
        deleted = raw.post(f"/{STORE}/credential/two/doDelete")
    assert deleted.status_code == 302
    assert deleted.headers["Location"] == f"{sim.url}/{STORE}/"
    assert [c["id"] for c in sim.server.list_credentials("team/api")] == ["three"]

    sim.server.delete_job("team/api")
    sim.server.create_folder("team/api")
    assert sim.server.list_credentials("team/api") == []
    assert folder_secret(sim.data_dir, "team/api", "three") is None


def test_a_credential_without_an_id_gets_one_and_other_types_are_refused(sim: Jenkins) -> None:
    with sim.raw() as raw:
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        anonymous_id = raw.post(
            f"/{STORE}/createCredentials",
            content=f"<{STRING}><secret>x</secret></{STRING}>",
            headers=headers,
        )
        other = raw.post(
            f"/{STORE}/createCredentials",
            content="<com.example.Unknown><id>u</id></com.example.Unknown>",
            headers=headers,
        )
        entity = raw.post(
            f"/{STORE}/createCredentials",
            content=f'<!DOCTYPE x [<!ENTITY e "boom">]><{STRING}><id>&e;</id></{STRING}>',
            headers=headers,
        )
    assert anonymous_id.status_code == 200
    (generated,) = sim.server.list_credentials("team/api")
    assert len(generated["id"]) == 36
    assert other.status_code == 500 and "CannotResolveClassException" in other.text
    assert entity.status_code == 500 and "Failed to parse credential" in entity.text
