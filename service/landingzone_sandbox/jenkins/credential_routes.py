"""The folder store's URLs under an item: `credentials/store/folder/domain/_/…`."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import JSONResponse

from .credentials import GLOBAL_DOMAIN, FolderCredentials
from .security import JenkinsError
from .tree import apply_tree


def read(
    credentials: FolderCredentials, folder: str, rest: tuple[str, ...], tree: str | None
) -> Response:
    """GET of `rest`, the path after `…/domain/`."""
    action = _domain(rest)
    if action == ("api", "json"):
        return _json(credentials.domain(folder), tree)
    if len(action) >= 2 and action[0] == "credential":
        credential_id, what = action[1], action[2:]
        if what == ("api", "json"):
            return _json(credentials.info(folder, credential_id), tree)
        if what == ("config.xml",):
            document = credentials.config_xml(folder, credential_id)
            return Response(document, media_type="application/xml")
    raise JenkinsError(404, "Not found")


def change(
    credentials: FolderCredentials,
    folder: str,
    rest: tuple[str, ...],
    body: bytes,
    content_type: str | None,
    location: str,
) -> Response:
    """POST of `rest`; `location` is the store's domain URL, where a deletion redirects."""
    action = _domain(rest)
    if action == ("createCredentials",):
        credentials.create(folder, body, content_type)
        return Response(status_code=200)
    if len(action) == 3 and action[0] == "credential":
        credential_id, what = action[1], action[2]
        if what == "config.xml":
            credentials.update(folder, credential_id, body)
            return Response(status_code=200)
        if what == "doDelete":
            credentials.delete(folder, credential_id)
            return Response(status_code=302, headers={"Location": location})
    raise JenkinsError(404, "Not found")


def remove(credentials: FolderCredentials, folder: str, rest: tuple[str, ...]) -> Response:
    """DELETE of `…/credential/{id}/config.xml`, as python-jenkins deletes a credential."""
    action = _domain(rest)
    if len(action) == 3 and action[0] == "credential" and action[2] == "config.xml":
        credentials.delete(folder, action[1])
        return Response(status_code=200)
    raise JenkinsError(404, "Not found")


def _domain(rest: tuple[str, ...]) -> tuple[str, ...]:
    """What follows the domain in `rest`; a folder store holds only the global domain."""
    if not rest or rest[0] != GLOBAL_DOMAIN:
        raise JenkinsError(404, "Not found")
    return rest[1:]


def _json(data: object, tree: str | None) -> JSONResponse:
    return JSONResponse(apply_tree(data, tree) if tree else data)
