"""The git plugin's `/git/notifyCommit?url=…&branches=…&token=…` (hudson.plugins.git.GitStatus).

Since git plugin 4.11 (SECURITY-284) a request needs one of the notifyCommit access tokens:
none is a 401, a wrong one a 403. With a valid token every job whose git remote loosely
matches `url` (same host, same path without `.git` and slashes; scheme, port and user are
ignored) and that has "Poll SCM" not ignoring post-commit hooks is scheduled for polling,
and the answer lists them. The endpoint takes no login and no crumb.

Not simulated: `sha1` (a build of that commit without polling) is refused with a 400.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .gitcheck import branch_of
from .locations import host_and_path, location_key
from .polling import Poller, polled_source
from .security import JenkinsError
from .store import Item, JenkinsStore
from .views import Views

MISSING_CREDENTIAL_MESSAGE = (
    "An access token is required. Please refer to Git plugin documentation "
    "(https://plugins.jenkins.io/git/#plugin-content-push-notification-from-repository) "
    "for details."
)
MAX_REPORTED = 10
_SHA1 = re.compile(r"[a-fA-F0-9]+")


@dataclass
class Answer:
    """200 text/plain: a `Triggered` header per polled job, one line per polled job."""

    triggered: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def headers(self) -> list[tuple[str, str]]:
        shown = [("Triggered", url) for url in self.triggered[:MAX_REPORTED]]
        if len(self.triggered) > MAX_REPORTED:
            shown.append(("Triggered", f"<{len(self.triggered) - MAX_REPORTED} more>"))
        return shown

    def body(self) -> str:
        return "".join(f"{line}\n" for line in self.lines)


def check_token(token: str | None, accepted: Sequence[str]) -> None:
    if not token:
        raise JenkinsError(401, MISSING_CREDENTIAL_MESSAGE)
    if not any(hmac.compare_digest(token.encode(), good.encode()) for good in accepted if good):
        raise JenkinsError(403, "Invalid access token")


def _branch_matches(branch_spec: str, branches: Sequence[str]) -> bool:
    if not branches or "$" in branch_spec:
        return True
    wanted = branch_of(branch_spec)
    names = {b.strip().removeprefix("refs/heads/").removeprefix("origin/") for b in branches}
    return wanted is None or wanted in names


class NotifyCommit:
    def __init__(self, store: JenkinsStore, views: Views, poller: Poller) -> None:
        self._store = store
        self._views = views
        self._poller = poller

    def handle(self, url: str | None, branches: str | None, sha1: str | None) -> Answer:
        if url is None:
            raise JenkinsError(400, "Required Query parameter url is missing")
        if sha1 and sha1.strip():
            if not _SHA1.fullmatch(sha1.strip()):
                raise JenkinsError(400, "Illegal SHA1")
            raise JenkinsError(400, "The sandbox does not build a notified sha1; poll instead")
        notified = host_and_path(url)
        if notified is None:
            raise JenkinsError(400, f"Illegal URL: {url}")
        named = [b for b in (branches or "").strip().split(",") if b] if branches else []
        answer, url_found = Answer(), False
        # Jenkins looks at every job; the store knows which jobs have a git source, and where.
        scm_found = self._store.has_git_sources()
        for full_name in self._store.jobs_with_source(location_key(url)):
            item = self._store.item(full_name)
            source = None if item is None else polled_source(self._store, item)
            if item is None or source is None:
                continue
            if host_and_path(source.url) != notified or source.ignore_notify_commit:
                continue
            if not item.config.scm_trigger or not _branch_matches(source.branch_spec, named):
                continue
            url_found = True
            if not item.config.disabled:
                self._poller.poll(item.full_name)
                answer.triggered.append(self._views.item_url(item.full_name))
                answer.lines.append(f"Scheduled polling of {_display(item)}")
        if not scm_found:
            answer.lines.append("No git jobs found")
        elif not url_found:
            answer.lines.append(
                f"No git jobs using repository: {url} and branches: {','.join(named)}"
            )
        return answer


def _display(item: Item) -> str:
    return " » ".join(item.full_name.split("/"))
