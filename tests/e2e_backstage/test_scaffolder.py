"""Backstage's "Create component" wizard, end to end: a real Backstage backend from npm,
our templates and module, against `landingzone sandbox`."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e_backstage.backstage import Backstage, TaskRun, task_values
from tests.e2e_backstage.conftest import TEMPLATES
from tests.support.clients import bitbucket, decide, git_clone, link_resolves
from tests.support.sandbox import Sandbox, wait_for

pytestmark = pytest.mark.e2e

LANDING_ZONE_ID = re.compile(r"Landing zone (lz_\w+) requested")


def _links(completion: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {link["title"]: link for link in completion["output"]["links"]}


def _landing_zone_id(run: TaskRun) -> str:
    ids = {m.group(1) for line in run.log if (m := LANDING_ZONE_ID.search(line))}
    assert len(ids) == 1, run.log
    return ids.pop()


def _approve(sandbox: Sandbox, landing_zone_id: str) -> None:
    decide(sandbox, landing_zone_id, "approved")


def test_the_location_registers_the_service_its_api_and_every_template(
    backstage: Backstage,
) -> None:
    for name in TEMPLATES:
        template = backstage.entity("template", f"landing-zone-{name}")
        assert template is not None
        steps = [step["action"] for step in template["spec"]["steps"]]
        assert steps == ["landingzone:create"]
    component = backstage.entity("component", "landing-zone")
    assert component is not None
    assert component["spec"]["providesApis"] == ["landing-zone-api"]
    api = wait_for(lambda: backstage.entity("api", "landing-zone-api"), "the API entity")
    document = json.loads(api["spec"]["definition"])
    assert "/v1/landing-zones" in document["paths"]


def test_dry_run_previews_the_files_and_creates_nothing(
    backstage: Backstage, backstage_sandbox: Sandbox
) -> None:
    values = task_values("ledger-preview", javaVersion=21, groupId="com.example.ledger")

    result = backstage.dry_run("landing-zone-java", values)

    log = "\n".join(str(entry["body"].get("message", "")) for entry in result["log"])
    assert "Repository: LABS/ledger-preview" in log
    assert "Build pipeline: labs/ledger-preview/build" in log
    assert "Jenkinsfile" in log and "pom.xml" in log
    assert not bitbucket(backstage_sandbox).repo_exists("LABS", "ledger-preview")


@pytest.mark.parametrize(
    ("template", "name", "parameters", "rendered_file"),
    [
        ("java", "orders-api", {"javaVersion": 21, "groupId": "com.example.orders"}, "pom.xml"),
        ("web", "orders-web", {"nodeVersion": "24", "basePath": "/orders/"}, "package.json"),
    ],
)
def test_a_labs_component_is_created_and_lands_in_the_catalog(
    backstage: Backstage,
    backstage_sandbox: Sandbox,
    workdir: Path,
    template: str,
    name: str,
    parameters: dict[str, Any],
    rendered_file: str,
) -> None:
    started = time.monotonic()
    task_id = backstage.create_task(f"landing-zone-{template}", task_values(name, **parameters))
    run = TaskRun(backstage, task_id)
    completion = run.follow_to_end()
    elapsed = time.monotonic() - started
    print(f"{template}: task POST to completed in {elapsed:.1f} s")

    assert backstage.task(run.task_id)["status"] == "completed", run.log
    assert any(line.startswith("[repository]") for line in _plain(run.log))
    links = _links(completion)
    expected = {"Repository", "Environment repository", "Build pipeline", "Promote pipeline"}
    assert expected <= set(links)
    assert links["Open in catalog"]["entityRef"] == f"component:default/{name}"
    for title, link in links.items():
        if "url" in link:
            assert link_resolves(backstage_sandbox, link["url"]), f"{title}: {link['url']}"

    assert bitbucket(backstage_sandbox).repo_exists("LABS", name)
    clone_url = f"{backstage_sandbox.url('bitbucket')}/scm/labs/{name}.git"
    checkout = git_clone(backstage_sandbox, clone_url, workdir / name)
    assert (checkout / "Jenkinsfile").is_file()
    assert (checkout / rendered_file).is_file()
    entity = yaml.safe_load((checkout / "catalog-info.yaml").read_text())
    assert entity["metadata"]["name"] == name

    component = wait_for(lambda: backstage.entity("component", name), f"{name} in the catalog")
    assert component["spec"]["owner"] == "group:default/payments"
    location = component["metadata"]["annotations"]["backstage.io/managed-by-location"]
    repository = f"{backstage_sandbox.url('bitbucket')}/projects/LABS/repos/{name}/"
    assert location.startswith(f"url:{repository}")


def test_a_retail_task_ends_at_the_approval_and_the_rest_needs_no_task(
    backstage: Backstage, backstage_sandbox: Sandbox
) -> None:
    values = task_values("branch-finder", tenant="retail", nodeVersion="24", basePath="/")
    started = time.monotonic()
    run = TaskRun(backstage, backstage.create_task("landing-zone-web", values))
    completion = run.follow_to_end(timeout=30)
    print(f"retail: task POST to ended in {time.monotonic() - started:.1f} s")

    assert backstage.task(run.task_id)["status"] == "completed", run.log
    links = _links(completion)
    assert set(links) == {"ServiceNow request"}, links  # nothing title-only
    assert link_resolves(backstage_sandbox, links["ServiceNow request"]["url"])
    approval_url = links["ServiceNow request"]["url"]
    assert any(f"waits for approval: {approval_url}" in line for line in run.log), run.log
    [text] = completion["output"]["text"]
    assert text["title"] == "Waiting for approval"
    # While the change board decides, Backstage holds nothing.
    assert backstage.running_tasks() == []
    tasks_before = _task_count(backstage)

    landing_zone_id = _landing_zone_id(run)
    _approve(backstage_sandbox, landing_zone_id)
    done = backstage_sandbox.wait_status(landing_zone_id, {"completed"}, timeout=180)

    component = wait_for(
        lambda: backstage.entity("component", "branch-finder"), "the component in the catalog"
    )
    location = component["metadata"]["annotations"]["backstage.io/managed-by-location"]
    assert location == f"url:{done['links']['catalog_info']}"
    notice = wait_for(
        lambda: next(
            (n for n in backstage.notifications() if "branch-finder" in n["payload"]["title"]),
            None,
        ),
        "Jane's notification",
    )
    assert notice["payload"]["title"] == "Your landing zone branch-finder is ready"
    assert notice["payload"]["link"] == done["links"]["catalog_entity"]
    assert done["links"]["repository"] in notice["payload"]["description"]
    assert backstage.running_tasks() == []
    assert _task_count(backstage) == tasks_before
    events = backstage_sandbox.events(landing_zone_id)
    messages = [e["message"] for e in events]
    assert any("registered in the Backstage catalog" in m for m in messages), messages
    sent = [e for e in events if "Backstage notification sent to the requester" in e["message"]]
    assert [e["data"]["recipient"] for e in sent] == ["user:default/jane.doe"]


def test_a_template_naming_another_requester_still_records_the_signed_in_user(
    backstage: Backstage, backstage_sandbox: Sandbox
) -> None:
    wait_for(lambda: backstage.entity("template", "requester-override"), "the test template")
    run = TaskRun(backstage, backstage.create_task("requester-override", {"name": "not-mallory"}))
    run.follow_to_end()

    assert backstage.task(run.task_id)["status"] == "completed", run.log
    landing_zone = backstage_sandbox.get(_landing_zone_id(run))
    assert landing_zone["requester"] == {"name": "Jane Doe", "email": "jane.doe@example.com"}
    assert landing_zone["on_behalf_of"] == "user:default/jane.doe"
    assert landing_zone["submitted_with"] == "backstage"
    assert any("requester input is ignored" in line for line in run.log)


def _task_count(backstage: Backstage) -> int:
    with backstage.user_client() as client:
        response = client.get("/api/scaffolder/v2/tasks")
    response.raise_for_status()
    return int(response.json()["totalTasks"])


def test_a_request_the_service_refuses_fails_the_task_naming_the_field(
    backstage: Backstage,
) -> None:
    # The form accepts any owner; the service only accepts groups.
    values = {**task_values("jane-tools", javaVersion=21), "owner": "user:default/jane.doe"}
    run = TaskRun(backstage, backstage.create_task("landing-zone-java", values))
    run.follow_to_end()

    assert backstage.task(run.task_id)["status"] == "failed"
    failure = [e for e in run.events if e["body"].get("error")]
    assert failure, run.log
    error = failure[-1]["body"]["error"]
    assert error["name"] == "InputError"
    assert error["message"].startswith("owner: ")


def _plain(lines: list[str]) -> list[str]:
    """Task log lines without the logger's level prefix and colours."""
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    return [re.sub(r"^\w+: ", "", ansi.sub("", line)) for line in lines]
