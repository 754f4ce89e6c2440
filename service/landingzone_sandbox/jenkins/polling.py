"""SCM polling, as SCMTrigger runs it when notifyCommit asks: compare the remote branch with
what the job's last build checked out, and build when they differ ("Started by an SCM
change"). Polling happens on its own thread; the notification does not wait for it.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from .configxml import GitSource
from .gitcheck import branch_of, display_url, remote_heads
from .runner import SCM_CAUSE, BuildRunner
from .settings import JenkinsSimSettings
from .store import Checkout, Item, JenkinsStore

log = logging.getLogger(__name__)


def polled_source(store: JenkinsStore, item: Item) -> GitSource | None:
    """The git source notifyCommit matches against, or None when the job has none.

    A pipeline knows its repository only from what its last build checked out, so a
    pipeline that never completed a build is not found; other jobs use their configuration.
    """
    configured = item.config.git
    if item.config.kind != "pipeline":
        return configured
    baseline = store.polling_baseline(item.full_name)
    checkout = None if baseline is None else baseline.checkout
    if checkout is None:
        return None
    ignore = configured.ignore_notify_commit if configured is not None else False
    return GitSource(checkout.url, checkout.credentials_id, checkout.branch_spec, ignore)


def changed(checkout: Checkout, heads: dict[str, str], branch_spec: str) -> bool:
    wanted = branch_of(branch_spec)
    if wanted is not None:
        return wanted in heads and heads[wanted] != checkout.revision
    return any(commit != checkout.revision for commit in heads.values())


class Poller:
    def __init__(self, settings: JenkinsSimSettings, store: JenkinsStore, runner: BuildRunner):
        self._settings = settings
        self._store = store
        self._runner = runner
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jenkins-polling")
        self._waiting: set[str] = set()
        self._guard = threading.Lock()

    def poll(self, full_name: str) -> None:
        """Queue a poll of the job; one already waiting to be polled is not queued again."""
        with self._guard:
            if full_name in self._waiting:
                return
            self._waiting.add(full_name)
        try:
            self._executor.submit(self._poll, full_name)
        except RuntimeError:  # shutting down
            with self._guard:
                self._waiting.discard(full_name)

    def stop(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _poll(self, full_name: str) -> None:
        with self._guard:
            self._waiting.discard(full_name)
        item = self._store.item(full_name)
        source = None if item is None else polled_source(self._store, item)
        if item is None or source is None or item.config.disabled:
            return
        started = time.monotonic()
        lines = [f"Started on {datetime.now(UTC):%b %d, %Y, %I:%M:%S %p}"]
        found = self._changes(item, source, lines)
        lines.append(f"Done. Took {time.monotonic() - started:.1f} sec")
        lines.append("Changes found" if found else "No changes")
        if found:
            defaults = tuple((p.name, p.default) for p in item.config.parameters)
            self._runner.schedule(full_name, defaults, SCM_CAUSE)
        self._store.put_polling_log(full_name, "\n".join(lines) + "\n")

    def _changes(self, item: Item, source: GitSource, lines: list[str]) -> bool:
        url = display_url(source.url)
        baseline = self._store.polling_baseline(item.full_name)
        checkout = None if baseline is None else baseline.checkout
        if checkout is None:
            lines.append("[poll] No previous build, so forcing an initial build.")
            return True
        lines.append(f"[poll] Last Built Revision: Revision {checkout.revision}")
        credentials = self._settings.git_credentials.get(source.credentials_id)
        heads = remote_heads(source.url, credentials, self._settings.git_timeout_s)
        if heads is None:
            log.warning("polling %s failed for %s", url, item.full_name)
            lines.append(f"ERROR: polling {url} failed")
            return False
        for branch, commit in sorted(heads.items()):
            lines.append(f"[poll] Latest remote head revision on refs/heads/{branch} is: {commit}")
        return changed(checkout, heads, source.branch_spec)
