"""File content as Backstage's `bitbucketServer` reader fetches it: raw, browse and archive."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from .context import Simulator, SimulatorDep, UserDep, require_repository
from .errors import ApiError, BitbucketJSONResponse, bad_request, not_found
from .gitstore import GitStoreError, TreeEntry, clean_path
from .shapes import page, paging_window

router = APIRouter(default_response_class=BitbucketJSONResponse)

REST_REPO = "/rest/api/1.0/projects/{key}/repos/{slug}"
ARCHIVE_FORMATS = {
    "zip": ("zip", "application/zip", "zip"),
    "tar": ("tar", "application/x-tar", "tar"),
    "tgz": ("tgz", "application/x-gzip", "tgz"),
    "tar.gz": ("tar.gz", "application/x-gzip", "tar.gz"),
}


def locate(sim: Simulator, key: str, slug: str, at: str | None) -> tuple[int, str]:
    """The repository id and the commit id that `at` names (default branch when absent)."""
    with sim.store.read() as state:
        repository = require_repository(state, key, slug)
    try:
        return repository.id, sim.git.resolve(repository.id, at)
    except GitStoreError as exc:
        raise not_found(
            f"Commit '{at or 'HEAD'}' does not exist in repository '{slug}'.",
            "commit.NoSuchCommitException",
        ) from exc


def safe_path(path: str) -> str:
    try:
        return clean_path(path)
    except GitStoreError as exc:
        raise bad_request(str(exc), "path") from exc


def _missing_path(path: str, at: str | None) -> ApiError:
    return not_found(
        f'The path "{path}" does not exist at revision "{at or "HEAD"}"',
        "content.NoSuchPathException",
    )


def read_raw(sim: Simulator, key: str, slug: str, path: str, at: str | None) -> Response:
    clean = safe_path(path)
    repository_id, commit = locate(sim, key, slug, at)
    try:
        content = sim.git.read_blob(repository_id, commit, clean)
    except GitStoreError as exc:
        raise _missing_path(clean, at) from exc
    try:
        content.decode("utf-8")
        media_type = "text/plain;charset=UTF-8"
    except UnicodeDecodeError:
        media_type = "application/octet-stream"
    return Response(content, media_type=media_type)


@router.get(REST_REPO + "/raw/{path:path}")
def rest_raw(
    sim: SimulatorDep, _: UserDep, key: str, slug: str, path: str, at: str | None = None
) -> Response:
    return read_raw(sim, key, slug, path, at)


@router.get("/projects/{key}/repos/{slug}/raw/{path:path}")
def page_raw(
    sim: SimulatorDep, _: UserDep, key: str, slug: str, path: str, at: str | None = None
) -> Response:
    return read_raw(sim, key, slug, path, at)


def _path_json(parts: list[str]) -> dict[str, Any]:
    name = parts[-1] if parts else ""
    body: dict[str, Any] = {
        "components": parts,
        "parent": "/".join(parts[:-1]),
        "name": name,
        "toString": "/".join(parts),
    }
    if "." in name.lstrip("."):
        body["extension"] = name.rsplit(".", 1)[1]
    return body


def _child_json(entry: TreeEntry) -> dict[str, Any]:
    if entry.kind == "tree":
        return {"path": _path_json([entry.name]), "node": entry.object_id, "type": "DIRECTORY"}
    return {
        "path": _path_json([entry.name]),
        "contentId": entry.object_id,
        "type": "FILE",
        "size": entry.size,
    }


@router.get(REST_REPO + "/browse")
@router.get(REST_REPO + "/browse/{path:path}")
def rest_browse(
    sim: SimulatorDep,
    _: UserDep,
    key: str,
    slug: str,
    path: str = "",
    at: str | None = None,
    start: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    clean = safe_path(path)
    repository_id, commit = locate(sim, key, slug, at)
    kind = sim.git.object_type(repository_id, commit, clean)
    if kind == "blob":
        first, size = paging_window(start, limit, default_limit=5000)
        text = sim.git.read_blob(repository_id, commit, clean).decode("utf-8", "replace")
        lines = [{"text": line} for line in text.splitlines()]
        body = page(lines, first, size)
        body["lines"] = body.pop("values")
        return body
    if kind != "tree":
        raise _missing_path(clean, at)
    first, size = paging_window(start, limit, default_limit=500)
    children = [_child_json(e) for e in sim.git.list_tree(repository_id, commit, clean)]
    return {
        "path": _path_json(clean.split("/") if clean else []),
        "revision": at or sim.git.default_ref(repository_id),
        "children": page(children, first, size),
    }


def _stream(command: list[str], env: dict[str, str]) -> Iterator[bytes]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdout is not None
    try:
        while chunk := process.stdout.read(65536):
            yield chunk
    finally:
        process.stdout.close()
        if process.poll() is None:
            process.kill()
        process.wait()


@router.get(REST_REPO + "/archive", response_model=None)
def archive(
    sim: SimulatorDep,
    _: UserDep,
    key: str,
    slug: str,
    at: str | None = None,
    format: str = "zip",
    path: str | None = None,
    prefix: str | None = None,
    filename: str | None = None,
) -> StreamingResponse:
    if format not in ARCHIVE_FORMATS:
        raise bad_request("format must be one of zip, tar, tgz or tar.gz.", "format")
    git_format, media_type, extension = ARCHIVE_FORMATS[format]
    clean = safe_path(path or "")
    clean_prefix = safe_path(prefix or "")
    repository_id, commit = locate(sim, key, slug, at)
    if clean and sim.git.object_type(repository_id, commit, clean) is None:
        raise _missing_path(clean, at)
    download_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename or f"{slug}-{commit[:12]}.{extension}")
    command = sim.git.archive_command(repository_id, commit, git_format, clean_prefix, clean)
    return StreamingResponse(
        _stream(command, sim.git.env),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{download_name}"'},
    )
