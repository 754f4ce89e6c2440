"""How the git plugin compares repository URLs (GitStatus.looselyMatches): same host, same path
without `.git` and slashes; scheme, port and user are ignored."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>.+)$")


def host_and_path(url: str) -> tuple[str | None, str] | None:
    """What GitStatus.looselyMatches compares; None for what is not a git URL."""
    text = url.strip()
    if "://" in text:
        parts = urlsplit(text)
        host = re.sub(r":\d*$", "", parts.netloc.rpartition("@")[2])  # the port is not compared
        return (host.removeprefix("ssh.") or None), _normalized(parts.path)
    scp = _SCP_LIKE.match(text)
    if scp:
        return scp["host"].removeprefix("ssh."), _normalized(scp["path"])
    return (None, _normalized(text)) if text else None


def _normalized(path: str) -> str:
    path = path.removeprefix("/").removesuffix("/").removesuffix(".git")
    path = re.sub(r"^v\d/", "", path)
    return path.replace("/_git/", "/")


def location_key(url: str) -> str | None:
    """`host_and_path(url)` as text, to index jobs by the repository they build."""
    found = host_and_path(url)
    return None if found is None else json.dumps(found)
