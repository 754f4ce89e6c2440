"""JenkinsPipelineServer.set_folder_secret against the Jenkins sandbox."""

from __future__ import annotations

import logging
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
from landingzone.integrations.jenkins.plugin import JenkinsPipelineServer
from tests.support.simulators import FaultInjector, JenkinsSimSettings, free_port, serving
from tests.support.simulators import jenkins_app as create_app
from tests.support.simulators import jenkins_folder_secret as folder_secret

USER, TOKEN = "landingzone", "tok-5b1e9f0c2d7a4e8b"
OWNER, OTHER = "lz_0001payments", "lz_0002ledger"
FOLDER = "retail/payments-api"
CREDENTIAL = "landingzone-promotion"
SECRET = "lzp_Q2hhbmdlIG1lIDwmPiBwbGVhc2U"
STORE = "/job/retail/job/payments-api/credentials/store/folder/domain/_"


@dataclass(frozen=True)
class Setup:
    url: str
    data_dir: Path
    pipelines: JenkinsPipelineServer
    server: jenkins.Jenkins

    def fault(self, **rule: Any) -> None:
        httpx.post(f"{self.url}/_sandbox/faults", json=rule, timeout=10).raise_for_status()

    def secret(self, folder: str = FOLDER) -> str | None:
        return folder_secret(self.data_dir, folder, CREDENTIAL)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    port = free_port()
    settings = JenkinsSimSettings(
        data_dir=tmp_path / "jenkins",
        base_url=f"http://127.0.0.1:{port}",
        users={USER: TOKEN},
        git_credentials={},
    )
    with serving(FaultInjector(create_app(settings)), port=port) as running:
        config = JenkinsSettings(url=running.url, username=USER, token=SecretStr(TOKEN))
        pipelines = JenkinsPipelineServer(config, timeout_s=10)
        pipelines.ensure_folder(FOLDER, "Payments API", OWNER)
        server = jenkins.Jenkins(running.url, USER, TOKEN, timeout=10)
        yield Setup(running.url, settings.data_dir, pipelines, server)


def test_the_secret_is_created_then_replaced(setup: Setup) -> None:
    setup.pipelines.set_folder_secret(FOLDER, CREDENTIAL, SECRET, "Promotion API", OWNER)
    assert setup.secret() == SECRET
    info = setup.server.get_credential_info(CREDENTIAL, FOLDER)
    assert info["description"] == "Promotion API" and info["typeName"] == "Secret text"

    setup.pipelines.set_folder_secret(FOLDER, CREDENTIAL, "rotated <&>", "Rotated", OWNER)
    assert setup.secret() == "rotated <&>"
    assert [c["id"] for c in setup.server.list_credentials(FOLDER)] == [CREDENTIAL]
    assert setup.server.get_credential_info(CREDENTIAL, FOLDER)["description"] == "Rotated"
    assert setup.secret("retail") is None


def test_a_folder_not_ours_is_left_alone(setup: Setup) -> None:
    setup.server.create_folder("retail/ledger")
    setup.pipelines.ensure_folder("retail/theirs", "Ledger", OTHER)

    with pytest.raises(ForeignResource) as unmarked:
        setup.pipelines.set_folder_secret("retail/ledger", CREDENTIAL, SECRET, "", OWNER)
    with pytest.raises(ForeignResource) as theirs:
        setup.pipelines.set_folder_secret("retail/theirs", CREDENTIAL, SECRET, "", OWNER)
    with pytest.raises(PermanentError) as missing:
        setup.pipelines.set_folder_secret("retail/nowhere", CREDENTIAL, SECRET, "", OWNER)

    assert unmarked.value.owner is None and theirs.value.owner == OTHER
    assert "no such folder" in str(missing.value) and not missing.value.transient
    assert setup.secret("retail/ledger") is None and setup.secret("retail/theirs") is None


def test_a_failing_jenkins_is_transient_and_a_replay_finishes(setup: Setup) -> None:
    setup.fault(method="POST", path=r"/createCredentials$", status=503, times=1)
    with pytest.raises(TransientError) as unavailable:
        setup.pipelines.set_folder_secret(FOLDER, CREDENTIAL, SECRET, "", OWNER)
    assert setup.secret() is None

    setup.fault(method="POST", path=r"/createCredentials$", status=502, after_effect=True)
    with pytest.raises(TransientError) as behind:
        setup.pipelines.set_folder_secret(FOLDER, CREDENTIAL, SECRET, "", OWNER)
    setup.fault(method="POST", path=rf"/credential/{CREDENTIAL}/config\.xml$", status=500, times=1)
    with pytest.raises(TransientError) as unreadable:
        setup.pipelines.set_folder_secret(FOLDER, CREDENTIAL, "second", "", OWNER)

    setup.pipelines.set_folder_secret(FOLDER, CREDENTIAL, "second", "", OWNER)
    assert setup.secret() == "second"
    failures = [unavailable.value, behind.value, unreadable.value]
    assert all(f.system == "jenkins" and f.transient for f in failures)
    assert not any(SECRET in str(f) or "second" in str(f) for f in failures)


def test_the_secret_is_in_no_log_record_nor_error(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    setup.pipelines.set_folder_secret(FOLDER, CREDENTIAL, SECRET, "Promotion API", OWNER)
    setup.pipelines.set_folder_secret(FOLDER, CREDENTIAL, SECRET, "Promotion API", OWNER)
    setup.fault(method="POST", path=r"/config\.xml$", status=500, times=1)
    with pytest.raises(TransientError) as failed:
        setup.pipelines.set_folder_secret(FOLDER, CREDENTIAL, SECRET, "Promotion API", OWNER)

    assert any("createCredentials" in record.getMessage() for record in caplog.records)
    assert not any(SECRET in record.getMessage() for record in caplog.records)
    assert SECRET not in str(failed.value) and TOKEN not in str(failed.value)


def test_a_secret_xml_cannot_carry_is_refused_without_quoting_it(setup: Setup) -> None:
    with pytest.raises(PermanentError) as refused:
        setup.pipelines.set_folder_secret(FOLDER, CREDENTIAL, "bad\x00secret", "", OWNER)
    assert "bad" not in str(refused.value)
    assert setup.secret() is None
