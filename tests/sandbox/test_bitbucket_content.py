"""File content the way Backstage reads it (raw, browse, archive) and the human pages.

Driven with the `git` CLI and atlassian-python-api only.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from atlassian import Bitbucket
from requests import HTTPError

from tests.sandbox.test_bitbucket_git import git, head, make_work_tree, with_credentials
from tests.sandbox.test_bitbucket_rest import client, running_simulator
from tests.support.bitbucket_simulator import PROJECT, unique


@pytest.fixture(scope="module")
def bb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bitbucket]:
    with running_simulator(tmp_path_factory.mktemp("bitbucket")) as server:
        yield client(server.url)


@pytest.fixture(scope="module")
def pushed(bb: Bitbucket, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A repository with two files pushed to main."""
    repo = bb.create_repo(PROJECT, unique("Content"))
    work = make_work_tree(
        tmp_path_factory.mktemp("work") / "tree",
        {"catalog-info.yaml": "kind: Component\n", "src/app.py": "print('hi')\n"},
    )
    git("push", "--quiet", with_credentials(repo["links"]["clone"][0]["href"]), "main", cwd=work)
    return {"repo": repo, "slug": repo["slug"], "commit": head(work)}


def test_raw_and_browse_serve_files_the_way_backstage_reads_them(
    pushed: dict[str, Any], bb: Bitbucket
) -> None:
    slug = pushed["slug"]
    raw = bb.get_content_of_file(PROJECT, slug, "catalog-info.yaml", at="refs/heads/main")
    assert raw == b"kind: Component\n"
    page_raw = bb.get(
        f"projects/{PROJECT}/repos/{slug}/raw/src/app.py",
        params={"at": "main"},
        not_json_response=True,
    )
    assert page_raw == b"print('hi')\n"
    # Backstage sends an empty `at` when its URL names no branch: the default branch answers.
    default_branch = bb.get(
        f"projects/{PROJECT}/repos/{slug}/raw/catalog-info.yaml",
        params={"at": ""},
        not_json_response=True,
    )
    assert default_branch == b"kind: Component\n"

    directory = bb.get(
        f"rest/api/1.0/projects/{PROJECT}/repos/{slug}/browse", params={"at": "refs/heads/main"}
    )
    assert directory is not None
    children = {c["path"]["name"]: c["type"] for c in directory["children"]["values"]}
    assert children == {"src": "DIRECTORY", "catalog-info.yaml": "FILE"}
    file = bb.get(f"rest/api/1.0/projects/{PROJECT}/repos/{slug}/browse/src/app.py")
    assert file is not None
    assert file["lines"] == [{"text": "print('hi')"}] and file["isLastPage"] is True

    default = bb.get(f"rest/api/1.0/projects/{PROJECT}/repos/{slug}/default-branch")
    assert default is not None
    assert default["displayId"] == "main"

    for missing in ("nope.yaml", "%2e%2e/escape"):
        with pytest.raises(HTTPError) as error:
            bb.get_content_of_file(PROJECT, slug, missing, at="refs/heads/main")
        assert error.value.response is not None
        assert error.value.response.status_code in (400, 404)
    with pytest.raises(HTTPError) as bad_revision:
        bb.get_content_of_file(PROJECT, slug, "catalog-info.yaml", at="--output=/tmp/x")
    assert bad_revision.value.response is not None
    assert bad_revision.value.response.status_code == 404


def test_archive_streams_tgz_and_zip_of_a_revision(pushed: dict[str, Any], bb: Bitbucket) -> None:
    tgz = io.BytesIO()
    bb.download_repo_archive(
        PROJECT, pushed["slug"], tgz, at="main", format="tgz", prefix="PAY-repo"
    )
    with tarfile.open(fileobj=io.BytesIO(tgz.getvalue()), mode="r:gz") as archive:
        names = set(archive.getnames())
    assert {"PAY-repo/catalog-info.yaml", "PAY-repo/src/app.py"} <= names

    subset = io.BytesIO()
    bb.download_repo_archive(
        PROJECT, pushed["slug"], subset, at="refs/heads/main", format="zip", path="src"
    )
    with zipfile.ZipFile(io.BytesIO(subset.getvalue())) as archive:
        assert [n for n in archive.namelist() if not n.endswith("/")] == ["src/app.py"]


def test_html_pages_list_and_browse_repositories(pushed: dict[str, Any], bb: Bitbucket) -> None:
    home = bb.get("", not_json_response=True).decode()
    assert pushed["repo"]["name"] in home and "/scm/pay/" in home
    browse = bb.get(
        f"projects/{PROJECT}/repos/{pushed['slug']}/browse", not_json_response=True
    ).decode()
    assert "catalog-info.yaml" in browse and "src/" in browse
    source = bb.get(
        f"projects/{PROJECT}/repos/{pushed['slug']}/browse/catalog-info.yaml",
        not_json_response=True,
    ).decode()
    assert "kind: Component" in source
