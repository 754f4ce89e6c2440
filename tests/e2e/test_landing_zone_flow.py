"""A landing zone through the HTTP API only, checked with the vendors' own clients."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.support.clients import (
    bitbucket,
    decide,
    git,
    git_clone,
    jenkins_server,
    link_resolves,
    mailbox_message,
    mailbox_messages,
    records,
    requested_items,
    servicenow,
)
from tests.support.sandbox import Sandbox, request_body, wait_for

pytestmark = pytest.mark.e2e


def _messages_to(sandbox: Sandbox, subject_part: str) -> list[dict[str, object]]:
    return [m for m in mailbox_messages(sandbox) if subject_part in str(m["Subject"])]


def test_labs_landing_zone_completes_with_everything_in_place(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    accepted = sandbox.create(request_body("payments-api"))
    assert accepted["status"] == "provisioning"

    done = sandbox.wait_status(accepted["id"], {"completed", "failed"})

    assert done["status"] == "completed", done["error"]
    assert [s["status"] for s in done["steps"]] == [
        "succeeded",
        "skipped",
        "succeeded",
        "succeeded",
        "succeeded",
        "succeeded",
        "succeeded",
        "succeeded",
    ]
    listed = [s["name"] for s in done["steps"]]
    started = [e["step"] for e in sandbox.events(done["id"]) if e["kind"] == "step_started"]
    assert sorted(started) == sorted(listed), "each stage starts once"
    # The two repositories are made side by side: either may start first.
    rank = {name: i for i, name in enumerate(listed)} | {"environment": listed.index("repository")}
    assert [rank[s] for s in started] == sorted(rank[s] for s in started), "as the API lists them"
    links = done["links"]
    project = git_clone(sandbox, links["clone"], tmp_path / "clone")
    assert (project / "Jenkinsfile").is_file()
    descriptor = (project / "catalog-info.yaml").read_text()
    assert "payments-api" in descriptor
    assert links["repository"] in descriptor, "it points at its repository as Bitbucket serves it"

    bb = bitbucket(sandbox)
    assert bb.repo_exists("LABS", "payments-api")
    assert bb.repo_exists("LABS", "payments-api-env")

    server = jenkins_server(sandbox)
    assert server.get_job_info("labs/payments-api")["name"] == "payments-api"
    last = wait_for(
        lambda: server.get_job_info("labs/payments-api/build")["lastCompletedBuild"],
        "the first build to finish",
    )
    assert server.get_build_info("labs/payments-api/build", last["number"])["result"] == "SUCCESS"

    # A developer's push builds again: the repository's hook wakes the build job.
    (project / "CHANGELOG.md").write_text("First change\n")
    git(sandbox, "add", "CHANGELOG.md", cwd=project)
    git(
        sandbox,
        "-c",
        "user.name=Jane",
        "-c",
        "user.email=jane@example.com",
        "commit",
        "-qm",
        "First change",
        cwd=project,
    )
    git(sandbox, "push", "-q", "origin", "main", cwd=project)
    second = wait_for(
        lambda: (
            (b := server.get_job_info("labs/payments-api/build")["lastCompletedBuild"])
            and b["number"] > last["number"]
            and b
        ),
        "a build of the pushed commit",
    )
    assert server.get_build_info("labs/payments-api/build", second["number"])["result"] == "SUCCESS"
    promote = server.get_job_info("labs/payments-api/promote")
    definitions = [p for p in promote["property"] if "parameterDefinitions" in p]
    names = {d["name"] for d in definitions[0]["parameterDefinitions"]}
    assert names == {"VERSION", "TARGET_ENVIRONMENT"}

    snow = servicenow(sandbox)
    [item] = requested_items(snow, accepted["id"])
    assert item["state"] == "3"
    notes = records(snow, "sys_journal_field", {"element_id": item["sys_id"]})
    assert any(links["repository"] in n["value"] for n in notes)

    [message] = wait_for(lambda: _messages_to(sandbox, "payments-api is ready"), "the email")
    text = str(mailbox_message(sandbox, str(message["ID"]))["Text"])
    urls = set(re.findall(r"https?://\S+", text))
    shown = {value for value in links.values() if value.startswith("http")}
    assert shown <= urls, "every link the API shows is in the email"
    assert {"catalog_entity", "catalog_info", "first_build"} <= set(links)
    # The sandbox has no Backstage: the catalog page is followed in tests/e2e_backstage.
    catalog_page = links["catalog_entity"]
    unresolved = [url for url in urls - {catalog_page} if not link_resolves(sandbox, url)]
    assert unresolved == []


def test_retail_waits_for_an_approver_then_completes(sandbox: Sandbox) -> None:
    accepted = sandbox.create(request_body("card-ledger", tenant="retail"))
    waiting = sandbox.wait_status(accepted["id"], {"pending_approval"})
    assert "approval" in waiting["links"]
    assert not bitbucket(sandbox).repo_exists("RETAIL", "card-ledger")

    decide(sandbox, accepted["id"], "approved")

    done = sandbox.wait_status(accepted["id"], {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
    assert bitbucket(sandbox).repo_exists("RETAIL", "card-ledger")


def test_rejected_request_creates_nothing_and_tells_the_requester(sandbox: Sandbox) -> None:
    accepted = sandbox.create(request_body("fx-pricer", tenant="retail"))
    sandbox.wait_status(accepted["id"], {"pending_approval"})
    decide(sandbox, accepted["id"], "rejected")

    done = sandbox.wait_status(accepted["id"], {"rejected", "completed", "failed"})

    assert done["status"] == "rejected"
    after_approval = [s["status"] for s in done["steps"]][2:]
    assert after_approval == ["skipped"] * 6, "steps that will never run say so"
    assert wait_for(lambda: _messages_to(sandbox, "fx-pricer was not approved"), "the email")
    assert not bitbucket(sandbox).repo_exists("RETAIL", "fx-pricer")
    assert jenkins_server(sandbox).job_exists("retail/fx-pricer") is None


@pytest.mark.parametrize("class_id", ["dotnet", "java", "web", "mobile", "backend"])
def test_every_class_lands_with_its_rendered_project(
    sandbox: Sandbox, class_id: str, tmp_path: Path
) -> None:
    body = request_body(f"every-{class_id}", class_id=class_id)
    with sandbox.api() as client:
        preview = client.post("/v1/landing-zones:preview", json=body)
    assert preview.status_code == 200, preview.text

    accepted = sandbox.create(body)
    done = sandbox.wait_status(accepted["id"], {"completed", "failed"})

    assert done["status"] == "completed", done["error"]
    project = git_clone(sandbox, done["links"]["clone"], tmp_path / class_id)
    pushed = sorted(
        str(p.relative_to(project))
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    )
    assert pushed == sorted(preview.json()["files"])
    for required in (
        "Dockerfile",
        "Jenkinsfile",
        "Jenkinsfile.promote",
        "catalog-info.yaml",
        "CODEOWNERS",
        "README.md",
        ".gitignore",
    ):
        assert (project / required).is_file(), required
    assert done["links"]["request_number"] in (project / "catalog-info.yaml").read_text()


def test_a_hostile_description_lands_as_plain_text(sandbox: Sandbox, tmp_path: Path) -> None:
    payload = (
        "{{ cycler.__init__.__globals__.os.popen('id').read() }} "
        "{% for x in range(9) %}x{% endfor %} $(id) `id` ../../etc"
    )
    accepted = sandbox.create(request_body("hostile-text", description=payload))
    done = sandbox.wait_status(accepted["id"], {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
    assert done["description"] == payload
    project = git_clone(sandbox, done["links"]["clone"], tmp_path / "hostile")
    entity = yaml.safe_load((project / "catalog-info.yaml").read_text())
    assert entity["metadata"]["description"] == payload
