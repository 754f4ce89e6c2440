"""With failure_policy `keep`, a failed landing zone keeps its work and a retry resumes there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from landingzone.config import DEFAULT_PLATFORM_CONFIG
from tests.support.clients import bitbucket, jenkins_server
from tests.support.sandbox import Sandbox, request_body, running_sandbox

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def keeping_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    folder: Path = tmp_path_factory.mktemp("keep")
    platform = yaml.safe_load(DEFAULT_PLATFORM_CONFIG.read_text())
    platform["global"]["failure_policy"] = "keep"
    config = folder / "platform.yaml"
    config.write_text(yaml.safe_dump(platform))
    with running_sandbox(folder / "sandbox", settings={"LZ_PLATFORM_CONFIG": str(config)}) as sb:
        yield sb


def _repository_id(sandbox: Sandbox, slug: str) -> int:
    """Bitbucket's id changes if a repository is deleted and created again."""
    return int(bitbucket(sandbox).get_repo("LABS", slug)["id"])


def test_retry_resumes_where_it_failed(keeping_sandbox: Sandbox) -> None:
    sandbox = keeping_sandbox
    sandbox.fault("jenkins", method="POST", path=r"/createItem", status=400, times=0)
    accepted = sandbox.create(request_body("resume-me"))
    failed = sandbox.wait_status(accepted["id"], {"failed", "completed"})
    sandbox.clear_faults("jenkins")
    assert failed["status"] == "failed" and failed["error"]["step"] == "pipelines"
    ids = {slug: _repository_id(sandbox, slug) for slug in ("resume-me", "resume-me-env")}

    with sandbox.api() as client:
        assert client.post(f"/v1/landing-zones/{accepted['id']}/retry").status_code == 202
    done = sandbox.wait_status(accepted["id"], {"completed", "failed"})

    assert done["status"] == "completed", done["error"]
    assert {slug: _repository_id(sandbox, slug) for slug in ids} == ids  # kept, not rebuilt
    assert jenkins_server(sandbox).get_job_info("labs/resume-me/build")["name"] == "build"
