"""The floor's calls, one method each, through clients made once (bench/floor.py orders them).

Each makes the request the service makes for the same thing, with the same client library and
payload, and nothing else: no look-up before a create, no confirming read.
"""

from __future__ import annotations

import base64
import os
import secrets
import smtplib
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote, urlencode

import jenkins
import pysnow
import requests
from atlassian import Bitbucket
from tests.support.sandbox import Sandbox, request_body

from landingzone.config import Settings
from landingzone.integrations.base import Repository, RepositoryAddress, with_marker
from landingzone.integrations.bitbucket.repositories import to_repository
from landingzone.integrations.jenkins.jobs import folder_xml, pipeline_xml, secret_text_xml
from landingzone.integrations.jenkins.plugin import item_path
from landingzone.integrations.mail.client import build_email
from landingzone.integrations.servicenow.catalog_desk import CORRELATION_VARIABLE, VARIABLES
from landingzone.landing_zone.folder_settings import folder_settings
from landingzone.landing_zone.models import LandingZoneRequest
from landingzone.landing_zone.notifications import outcome_message
from landingzone.landing_zone.service import Plan, make_plan
from landingzone.landing_zone.workspace import Addresses, environment_context, project_context
from landingzone.platform_config import PlatformConfig
from landingzone.rendering import load_classes
from landingzone.rendering.renderer import render_environment, render_project

BUILD_POLL_S = 0.02
BUILD_WAIT_S = 120.0
CLOSED_COMPLETE = "3"


def sandbox_settings(sandbox: Sandbox) -> Settings:
    """The settings the sandbox gives its service, the library pin included."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LZ_")}
    with mock.patch.dict(os.environ, {**clean, **sandbox.service_environment()}, clear=True):
        return Settings()


class FloorCalls:
    """Clients made once, as a long-running process would hold them."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.settings = sandbox_settings(sandbox)
        self.platform = PlatformConfig.load(self.settings.platform_config)
        self.classes = load_classes(self.settings.templates_dir)
        described = sandbox.description
        bb, jk, sn = described["bitbucket"], described["jenkins"], described["servicenow"]
        self._bb_auth = (bb["username"], bb["password"])
        self.bitbucket = Bitbucket(bb["url"], username=bb["username"], password=bb["password"])
        self.jenkins = jenkins.Jenkins(jk["url"], username=jk["username"], password=jk["token"])
        self.servicenow = pysnow.Client(
            host=sn["host"], user=sn["username"], password=sn["password"], use_ssl=False
        )
        self.catalog_item = str(sn["catalog_item"]["sys_id"])
        self.smtp = (described["mailbox"]["smtp_host"], int(described["mailbox"]["smtp_port"]))
        self.api_url = sandbox.api_url
        self._ensure_tenant_folder()

    def _ensure_tenant_folder(self) -> None:
        """The tenant's folder is made once, for every landing zone after it: not timed."""
        parent = self.plan("floor-setup", "java").names.jenkins_folder.rpartition("/")[0]
        if parent and not self.jenkins.job_exists(parent):
            self._create_item(parent, folder_xml(""))

    def plan(self, name: str, class_id: str) -> Plan:
        request = LandingZoneRequest.model_validate(request_body(name, class_id=class_id))
        # An id of the service's form (lz_ and [a-z0-9_]), which the renderer checks.
        landing_zone_id = "lz_floor_" + name.replace("-", "_")
        return make_plan(landing_zone_id, request, self.platform, self.classes)

    # ------------------------------------------------------------------ ServiceNow

    def _user(self, email: str) -> str | None:
        rows = (
            self.servicenow.resource(api_path="/table/sys_user")
            .get(query={"email": email}, fields=["sys_id"])
            .all()
        )
        return str(rows[0]["sys_id"]) if len(rows) == 1 else None

    def _order(self, plan: Plan, user: str | None) -> dict[str, Any]:
        names = plan.names
        environment = names.environment_repository
        facts = {
            "name": plan.name,
            "class": plan.class_id,
            "tenant": plan.tenant,
            "owner": plan.owner_ref,
            "description": plan.description,
            "system": plan.system,
            "requester": f"{plan.requester_name} <{plan.requester_email}>",
            "repository": f"{names.repository.project}/{names.repository.slug}",
            "environment_repository": f"{environment.project}/{environment.slug}",
            "build_pipeline": names.build_job,
            "promote_pipeline": names.promote_job,
            "link": f"{self.api_url}/v1/landing-zones/{plan.landing_zone_id}",
        }
        variables = {variable: facts[fact] for fact, variable in VARIABLES.items()}
        variables[CORRELATION_VARIABLE] = plan.landing_zone_id
        body: dict[str, Any] = {"sysparm_quantity": "1", "variables": variables}
        if user:
            body["sysparm_requested_for"] = user
        order = self.servicenow.resource(
            api_path=f"/servicecatalog/items/{self.catalog_item}/order_now", base_path="/api/sn_sc"
        )
        return dict(order.request("POST", json=body).one())

    def _item(self, order: dict[str, Any]) -> dict[str, Any]:
        rows = (
            self.servicenow.resource(api_path="/table/sc_req_item")
            .get(query=f"request={order['request_id']}", fields=["sys_id", "number"])
            .all()
        )
        return dict(rows[0])

    def _close(self, links: dict[str, Any]) -> None:
        summary = "Landing zone completed.\n" + "\n".join(
            f"{k}: {v}" for k, v in links.items() if k != "_item"
        )
        values = {
            "work_notes": summary,
            "state": CLOSED_COMPLETE,
            "close_notes": "Landing zone provisioned.",
        }
        items = self.servicenow.resource(api_path="/table/sc_req_item")
        items.request("PATCH", path_append=f"/{links['_item']}", json=values).one()

    # ------------------------------------------------------------------ Bitbucket and git

    def _create_repo(self, plan: Plan, slug: str) -> Repository:
        about = plan.description if slug == plan.name else f"Environments of {plan.name}"
        body = {
            "name": slug,
            "scmId": "git",
            "forkable": False,
            "description": with_marker(about, plan.landing_zone_id, limit=255),
        }
        project = plan.names.repository.project
        created = self.bitbucket.post(f"rest/api/1.0/projects/{project}/repos", data=body)
        return to_repository(dict(created or {}))

    def _restrict(self, plan: Plan, repository: Repository) -> None:
        ref = f"refs/heads/{plan.default_branch}"
        matcher = {
            "id": ref,
            "displayId": ref,
            "type": {"id": "BRANCH", "name": "Branch"},
            "active": True,
        }
        wanted = [
            {
                "type": kind,
                "matcher": matcher,
                "users": [self._bb_auth[0]],
                "groups": [],
                "accessKeys": [],
            }
            for kind in plan.branch_restrictions
        ]
        self.bitbucket.set_branches_permissions(
            repository.project, multiple_permissions=wanted, repository_slug=repository.slug
        )

    def _permit(self, plan: Plan, repository: Repository) -> None:
        self.bitbucket.repo_grant_group_permissions(
            repository.project, repository.slug, plan.owner_group, plan.owner_permission
        )

    def _render(
        self, plan: Plan, number: str, repo: Repository, env: Repository, scratch: Path
    ) -> tuple[Path, Path]:
        addresses = Addresses(
            RepositoryAddress(repo.browse_url, repo.clone_url),
            RepositoryAddress(env.browse_url, env.clone_url),
        )
        project = render_project(
            self.classes[plan.class_id], project_context(plan, number, addresses), scratch / "p"
        )
        environments = render_environment(
            environment_context(plan, number, addresses), scratch / "e", self.settings.templates_dir
        )
        return project.root, environments.root

    def _push(self, plan: Plan, repository: Repository, tree: Path) -> str:
        branch = plan.default_branch
        with self._git_env(repository.clone_url) as env:
            for argv in (
                ["init", "--quiet", "--template=", f"--initial-branch={branch}"],
                ["add", "--all", "."],
                [
                    "-c",
                    "commit.gpgSign=false",
                    "commit",
                    "--quiet",
                    "--no-verify",
                    "--message",
                    f"Initial {plan.class_id} project",
                ],
                [
                    "push",
                    "--quiet",
                    "--no-verify",
                    repository.clone_url,
                    f"HEAD:refs/heads/{branch}",
                ],
            ):
                subprocess.run(["git", *argv], cwd=tree, env=env, check=True, capture_output=True)
        return branch

    @contextmanager
    def _git_env(self, url: str) -> Iterator[dict[str, str]]:
        token = base64.b64encode(":".join(self._bb_auth).encode()).decode("ascii")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(
            GIT_TERMINAL_PROMPT="0",
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_AUTHOR_NAME="Jane Doe",
            GIT_AUTHOR_EMAIL="jane.doe@example.com",
            GIT_COMMITTER_NAME="Jane Doe",
            GIT_COMMITTER_EMAIL="jane.doe@example.com",
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0=f"http.{url}.extraHeader",
            GIT_CONFIG_VALUE_0=f"Authorization: Basic {token}",
        )
        yield env

    def _default_branch(self, plan: Plan, repository: Repository) -> None:
        self.bitbucket.set_default_branch(
            repository.project, repository.slug, f"refs/heads/{plan.default_branch}"
        )

    def _webhook(self, repository: Repository) -> None:
        jenkins_settings = self.settings.jenkins
        query = {
            "url": repository.clone_url,
            "token": jenkins_settings.notify_commit_token.get_secret_value(),
        }
        url = f"{jenkins_settings.base_url}git/notifyCommit?{urlencode(query)}"
        secret = self.settings.bitbucket.webhook_secret.get_secret_value() or None
        self.bitbucket.create_webhook(
            repository.project,
            repository.slug,
            "jenkins",
            ["repo:refs_changed"],
            url,
            True,
            secret,
        )

    # ------------------------------------------------------------------ Jenkins

    def _post_xml(self, url: str, document: str) -> None:
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        request = requests.Request("POST", url, data=document.encode("utf-8"), headers=headers)
        self.jenkins.jenkins_request(request)

    def _create_item(self, full_name: str, document: str) -> None:
        parent, _, short = full_name.rpartition("/")
        where = self.jenkins.server + (item_path(parent) if parent else "")
        self._post_xml(f"{where}createItem?name={quote(short, safe='')}", document)

    def _folder(self, plan: Plan) -> None:
        description = with_marker(
            f"Pipelines of {plan.name}, owned by {plan.owner_ref}", plan.landing_zone_id
        )
        settings = folder_settings(plan, plan.landing_zone_id, self.settings)
        self._create_item(plan.names.jenkins_folder, folder_xml(description, settings))

    def _credential(self, plan: Plan) -> None:
        store = self.jenkins.server + item_path(plan.names.jenkins_folder)
        document = secret_text_xml(
            self.settings.jenkins.promotion_credentials_id,
            f"Promotes {plan.name} through the Landing Zone promotion API",
            secrets.token_urlsafe(32),
        )
        self._post_xml(f"{store}credentials/store/folder/domain/_/createCredentials", document)

    def _job(self, plan: Plan, repo: Repository, env: Repository, which: int) -> str:
        job = plan.pipelines(repo, env)[which]
        marked = replace(
            job.definition,
            description=with_marker(job.definition.description, plan.landing_zone_id),
        )
        self._create_item(job.full_name, pipeline_xml(marked))
        return job.full_name

    def _first_build(self, plan: Plan) -> str:
        queue_id = self.jenkins.build_job(plan.names.build_job)
        deadline = time.monotonic() + BUILD_WAIT_S
        while time.monotonic() < deadline:
            executable = self.jenkins.get_queue_item(queue_id).get("executable")
            if isinstance(executable, dict) and executable.get("url"):
                return str(executable["url"])
            time.sleep(BUILD_POLL_S)
        raise TimeoutError(f"the first build of {plan.names.build_job} never started")

    # ------------------------------------------------------------------ links and e-mail

    def _links(
        self, plan: Plan, item: dict[str, Any], repo: Repository, env: Repository, *rest: Any
    ) -> dict[str, Any]:
        jenkins_base = self.settings.jenkins.base_url
        return {
            "_item": item["sys_id"],
            "request_number": item["number"],
            "repository": repo.browse_url,
            "clone": repo.clone_url,
            "environment_repository": env.browse_url,
            "build_pipeline": jenkins_base + item_path(plan.names.build_job),
            "promote_pipeline": jenkins_base + item_path(plan.names.promote_job),
            "first_build": rest[3],
        }

    def _mail(self, plan: Plan, links: dict[str, Any]) -> None:
        shown = {k: str(v) for k, v in links.items() if k != "_item"}
        status_url = f"{self.api_url}/v1/landing-zones/{plan.landing_zone_id}"
        message = build_email(
            outcome_message(plan, "completed", shown, status_url), self.settings.smtp
        )
        with smtplib.SMTP(*self.smtp, timeout=30) as smtp:
            smtp.send_message(message)
