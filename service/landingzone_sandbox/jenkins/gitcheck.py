"""Fetch a pipeline's repository the way a lightweight checkout would and look for its script.

Credentials reach git through the environment (an `http.extraHeader` set with
GIT_CONFIG_COUNT), never through argv, and are scrubbed from everything logged.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from .configxml import GitSource

_ALLOWED_PROTOCOLS = "http:https:file"
# Its clones and polls name themselves, so traffic counts (/_sandbox/traffic) keep them apart
# from the git of the callers being measured.
GIT_AGENT = "git/sandbox-jenkins"


@dataclass
class CheckoutReport:
    succeeded: bool = False
    lines: list[str] = field(default_factory=list)
    revision: str | None = None  # the commit checked out, once the clone worked
    script: str = ""  # the pipeline script's text, once found


def branch_of(spec: str) -> str | None:
    """The branch a Jenkins branch specifier names, or None when it is a wildcard."""
    name = spec.strip()
    for prefix in ("refs/heads/", "*/", "origin/", "refs/remotes/origin/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return None if not name or "*" in name else name


def display_url(url: str) -> str:
    """The URL without user info, which may carry a password."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def check_script(
    source: GitSource,
    script_path: str,
    credentials: tuple[str, str] | None,
    timeout_s: float,
) -> CheckoutReport:
    report = CheckoutReport()
    url = display_url(source.url)
    if script_path:
        report.lines.append(f"Obtained {script_path} from git {url}")
    if source.credentials_id and credentials is None:
        report.lines.append(
            f"ERROR: Could not find credentials entry with ID '{source.credentials_id}'"
        )
        return report
    secrets = [credentials[1]] if credentials is not None and credentials[1] else []
    branch = branch_of(source.branch_spec)
    with tempfile.TemporaryDirectory(prefix="jenkins-checkout-") as scratch:
        env = _git_environment(scratch, credentials)
        clone_dir = os.path.join(scratch, "repo.git")
        clone = ["git", "clone", "--quiet", "--bare", "--depth", "1"]
        if branch is not None:
            clone.append(f"--branch={branch}")
        clone += ["--", source.url, clone_dir]
        report.lines.append(f"Cloning the remote Git repository {url}")
        try:
            cloned = _run(clone, env, timeout_s)
            if cloned.returncode != 0:
                report.lines.append("ERROR: Error cloning remote repo 'origin'")
                report.lines.extend(_scrub(cloned.stderr, secrets, source.url))
                return report
            revision = _run(["git", "-C", clone_dir, "rev-parse", "HEAD"], env, timeout_s)
            report.revision = revision.stdout.strip() or None
            ref = f"refs/remotes/origin/{branch}" if branch else "HEAD"
            report.lines.append(f"Checking out Revision {report.revision} ({ref})")
            found = (
                not script_path
                or _run(
                    ["git", "-C", clone_dir, "cat-file", "-e", f"HEAD:{script_path}"],
                    env,
                    timeout_s,
                ).returncode
                == 0
            )
            if found and script_path:
                shown = ["git", "-C", clone_dir, "cat-file", "-p", f"HEAD:{script_path}"]
                report.script = _run(shown, env, timeout_s).stdout
        except subprocess.TimeoutExpired:
            report.lines.append(f"ERROR: Timeout after {timeout_s:g} seconds fetching {url}")
            return report
    if not found:
        report.lines.append(f"ERROR: Unable to find {script_path} from git {url}")
        return report
    report.succeeded = True
    return report


def remote_heads(
    url: str, credentials: tuple[str, str] | None, timeout_s: float
) -> dict[str, str] | None:
    """Branch name -> commit on the remote, as `git ls-remote` polling sees them; None on error."""
    refs = remote_refs(url, credentials, timeout_s)
    if refs is None:
        return None
    return {
        ref.removeprefix("refs/heads/"): commit
        for ref, commit in refs.items()
        if ref.startswith("refs/heads/")
    }


def remote_refs(
    url: str, credentials: tuple[str, str] | None, timeout_s: float
) -> dict[str, str] | None:
    """Branches and tags on the remote -> the commit each names; None on error."""
    with tempfile.TemporaryDirectory(prefix="jenkins-refs-") as scratch:
        try:
            listed = _run(
                ["git", "ls-remote", "--heads", "--tags", "--", url],
                _git_environment(scratch, credentials),
                timeout_s,
            )
        except subprocess.TimeoutExpired:
            return None
    if listed.returncode != 0:
        return None
    refs: dict[str, str] = {}
    for line in listed.stdout.splitlines():
        commit, _, ref = line.partition("\t")
        if ref.endswith("^{}"):  # an annotated tag, peeled to its commit
            refs[ref.removesuffix("^{}")] = commit
        else:
            refs.setdefault(ref, commit)
    return refs


def _git_environment(home: str, credentials: tuple[str, str] | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LC_ALL": "C",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ALLOW_PROTOCOL": _ALLOWED_PROTOCOLS,
        "GIT_HTTP_USER_AGENT": GIT_AGENT,
    }
    if credentials is not None:
        token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode("ascii")
        env.update(
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0="http.extraHeader",
            GIT_CONFIG_VALUE_0=f"Authorization: Basic {token}",
        )
    return env


def _run(
    argv: list[str], env: dict[str, str], timeout_s: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
    )


def _scrub(text: str, secrets: list[str], url: str) -> list[str]:
    cleaned = text.replace(url, display_url(url))
    for secret in secrets:
        cleaned = cleaned.replace(secret, "****")
    cleaned = re.sub(r"Authorization: \S+ \S+", "Authorization: ****", cleaned)
    return [line for line in cleaned.splitlines() if line.strip()][-10:]
