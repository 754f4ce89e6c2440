"""The sandbox hands the service and the simulators the same secrets, old data folders too."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml

from landingzone.config import DEFAULT_PLATFORM_CONFIG, Settings
from landingzone.integrations.factory import build_integrations
from landingzone_sandbox.layout import SandboxLayout
from landingzone_sandbox.simulators import approval_groups, start_simulators
from tests.support.sandbox import _free_port_block


def test_a_data_folder_from_an_older_sandbox_gets_the_new_secrets_and_keeps_its_own(
    tmp_path: Path,
) -> None:
    port = _free_port_block(6)
    original = SandboxLayout.load_or_create(tmp_path, "127.0.0.1", port)
    stored = json.loads((tmp_path / "layout.json").read_text())
    del stored["notify_commit_token"]
    del stored["backstage_token"]
    (tmp_path / "layout.json").write_text(json.dumps(stored))

    upgraded = SandboxLayout.load_or_create(tmp_path, "127.0.0.1", port)

    assert upgraded.jenkins_token == original.jenkins_token
    assert upgraded.api_token == original.api_token
    assert len(upgraded.notify_commit_token) == 32
    assert len(upgraded.backstage_token) >= 43 and upgraded.backstage_token != upgraded.api_token
    assert SandboxLayout.load(tmp_path) == upgraded


def test_the_service_and_the_sandbox_share_the_notify_commit_token_and_approval_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = SandboxLayout.load_or_create(tmp_path, "127.0.0.1", _free_port_block(6))
    for name, value in layout.service_environment().items():
        monkeypatch.setenv(name, value)
    pipelines = build_integrations(Settings()).pipelines
    hook = pipelines.push_hook_url("http://127.0.0.1:1/scm/labs/app.git")
    assert parse_qs(urlsplit(hook).query)["token"] == [layout.notify_commit_token]

    servers = start_simulators(layout)
    try:
        accepted = httpx.get(hook, timeout=10)
        refused = httpx.get(hook.replace(layout.notify_commit_token, "0" * 32), timeout=10)
        groups = httpx.get(
            f"{layout.url(layout.servicenow_port)}/api/now/table/sys_user_group",
            auth=("landingzone", layout.servicenow_password),
            timeout=10,
        ).json()["result"]
        members = httpx.get(
            f"{layout.url(layout.servicenow_port)}/api/now/table/sys_user_grmember",
            params={
                "sysparm_query": "group.name=retail-change-board",
                "sysparm_fields": "user.user_name",
            },
            auth=("cab.deputy", layout.deputy_approver_password),
            timeout=10,
        ).json()["result"]
    finally:
        for server in servers:
            server.stop()
    assert (accepted.status_code, accepted.text) == (200, "No git jobs found\n")
    assert refused.status_code == 403
    # The groups the bundled platform configuration asks exist in ServiceNow: the tenants' and
    # the change advisory board, which authorizes prod promotions.
    assert sorted(g["name"] for g in groups) == ["change-advisory-board", "retail-change-board"]
    # Each group has the sandbox's approvers as members, who sign in with their own passwords.
    names = sorted(m["user.user_name"] for m in members)
    assert names == ["cab.approver", "cab.deputy", "jane.doe"]


def test_sandbox_json_lists_every_approver_and_keeps_the_first_as_the_approver(
    tmp_path: Path,
) -> None:
    layout = SandboxLayout.load_or_create(tmp_path, "127.0.0.1", _free_port_block(6))
    servicenow = layout.public_description()["servicenow"]
    assert isinstance(servicenow, dict)

    usernames = [a["username"] for a in servicenow["approvers"]]
    assert usernames == ["cab.approver", "cab.deputy", "jane.doe"]
    assert servicenow["approver"] == servicenow["approvers"][0]
    assert servicenow["approvers"][1]["password"] == layout.deputy_approver_password
    assert servicenow["approvers"][2]["password"] == layout.requesting_approver_password
    assert servicenow["catalog_item"]["name"] == "Landing zone"


def test_the_approval_groups_come_from_the_platform_configuration_in_use(tmp_path: Path) -> None:
    bundled = yaml.safe_load(DEFAULT_PLATFORM_CONFIG.read_text())
    bundled["tenants"]["labs"]["approval_group"] = "labs-reviewers"
    custom = tmp_path / "platform.yaml"
    custom.write_text(yaml.safe_dump(bundled))

    assert approval_groups(DEFAULT_PLATFORM_CONFIG) == (
        "change-advisory-board",
        "retail-change-board",
    )
    bundled["global"]["promotion"]["prod"]["approval_group"] = "prod-cab"
    custom.write_text(yaml.safe_dump(bundled))
    assert approval_groups(custom) == ("labs-reviewers", "prod-cab", "retail-change-board")
