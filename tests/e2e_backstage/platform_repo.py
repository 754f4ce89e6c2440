"""The platform team's repository in the sandbox Bitbucket, holding catalog-info/ as in production.

Backstage registers the Location from its Bitbucket URL, so the templates and the API's
`$text: ./openapi.json` are read through the `bitbucketServer` integration.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.e2e_backstage.backstage import REPO_ROOT
from tests.support.clients import bitbucket, git
from tests.support.sandbox import Sandbox

PROJECT = "PLATFORM"  # the sandbox's platform project, which also holds the Jenkins library
SLUG = "landing-zone"
BRANCH = "refs/heads/main"


def publish_catalog_info(sandbox: Sandbox, workdir: Path) -> str:
    """Pushes catalog-info/ to PLATFORM/landing-zone and returns the Location's browse URL."""
    client = bitbucket(sandbox)
    if not client.project_exists(PROJECT):
        client.create_project(PROJECT, "Platform", "The platform team's services")
    repo = client.create_repo(PROJECT, SLUG)
    clone_url = next(link["href"] for link in repo["links"]["clone"] if link["name"] == "http")

    checkout = workdir / "platform-repo"
    shutil.copytree(REPO_ROOT / "catalog-info", checkout / "catalog-info")
    git(sandbox, "init", "--quiet", "--initial-branch", "main", cwd=checkout)
    git(sandbox, "add", ".", cwd=checkout)
    git(
        sandbox,
        "-c", "user.name=Platform Team", "-c", "user.email=platform@example.com",
        "commit", "--quiet", "-m", "Landing Zone catalog entities",
        cwd=checkout,
    )  # fmt: skip
    git(sandbox, "push", "--quiet", clone_url, "main", cwd=checkout)
    client.set_default_branch(PROJECT, SLUG, BRANCH)
    browse = repo["links"]["self"][0]["href"]
    return f"{browse}/catalog-info/location.yaml"
