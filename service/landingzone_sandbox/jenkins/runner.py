"""The build queue and its executors: quiet period, then a build on a pool thread.

Request handlers only enqueue; timers and executor threads move items along, so builds
complete by themselves. A build interrupted by a shutdown keeps `building` in the store and
runs again on the next start, like a resumed pipeline.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from .gitcheck import check_script
from .libraries import load_libraries
from .settings import JenkinsSimSettings
from .store import Build, Checkout, Item, JenkinsStore, Params, QueueItem, now_ms

log = logging.getLogger(__name__)

SCM_CAUSE = ""  # the `cause` of builds started by a push notification


class BuildRunner:
    def __init__(self, settings: JenkinsSimSettings, store: JenkinsStore) -> None:
        self._settings = settings
        self._store = store
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, settings.executors), thread_name_prefix="jenkins-executor"
        )
        self._timers: dict[int, threading.Timer] = {}
        self._guard = threading.Lock()
        self._stopping = threading.Event()

    def schedule(self, job: str, params: Params, cause: str) -> QueueItem:
        """Queue a build; an identical item already waiting for the same job is reused."""
        quiet_ms = int(self._settings.quiet_period_s * 1000)
        item, created = self._store.enqueue(job, params, cause, quiet_ms)
        if created:
            self._arm(item)
        return item

    def resume(self) -> None:
        for build in self._store.running_builds():
            self._executor.submit(self._run, build)
        for item in self._store.pending():
            self._arm(item)

    def stop(self) -> None:
        self._stopping.set()
        with self._guard:
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _arm(self, item: QueueItem) -> None:
        delay_s = (item.ready_ms - now_ms()) / 1000
        if delay_s <= 0:
            self._release(item.id)
            return
        timer = threading.Timer(delay_s, self._release, (item.id,))
        timer.daemon = True
        with self._guard:
            if self._stopping.is_set():
                return
            self._timers[item.id] = timer
        timer.start()

    def _release(self, queue_id: int) -> None:
        """End of the quiet period: the item waits for a free executor."""
        with self._guard:
            self._timers.pop(queue_id, None)
            if self._stopping.is_set():
                return
            self._store.mark_buildable(queue_id)
            self._executor.submit(self._take, queue_id)

    def _take(self, queue_id: int) -> None:
        if self._stopping.is_set():
            return
        build = self._store.start_build(queue_id)
        if build is not None:
            self._run(build)

    def _run(self, build: Build) -> None:
        job = self._store.item(build.job)
        if job is None:
            return
        checkout: Checkout | None = None
        try:
            result, lines, checkout = self._perform(job)
        except Exception:
            log.exception("build %s #%d crashed", build.job, build.number)
            result, lines = "FAILURE", ["ERROR: the build crashed"]
        if self._stopping.is_set():
            return
        started = f"Started by user {build.cause}" if build.cause else "Started by an SCM change"
        console = "\n".join([started, *lines, f"Finished: {result}", ""])
        self._store.finish_build(build.job, build.number, result, console, checkout)

    def _ancestors(self, full_name: str) -> list[Item]:
        """The folders above the job, nearest first."""
        parts = full_name.split("/")[:-1]
        found = (self._store.item("/".join(parts[:depth])) for depth in range(len(parts), 0, -1))
        return [item for item in found if item is not None]

    def _perform(self, job: Item) -> tuple[str, list[str], Checkout | None]:
        """Result, console lines, and what was checked out (as a declarative pipeline's
        implicit `checkout scm` records it)."""
        config = job.config
        if config.git is None:
            if config.kind == "pipeline":
                lines = ["[Pipeline] Start of Pipeline", "[Pipeline] End of Pipeline"]
                return "SUCCESS", lines, None
            return "SUCCESS", [f"Building in workspace of {job.full_name}"], None
        credentials = None
        if config.git.credentials_id:
            credentials = self._settings.git_credentials.get(config.git.credentials_id)
        script_path = config.script_path if config.kind == "pipeline" else ""
        git = config.git
        report = check_script(git, script_path, credentials, self._settings.git_timeout_s)
        if not report.succeeded:
            return "FAILURE", report.lines, None  # the script never ran: nothing checked out
        if config.kind == "pipeline":
            folders = [f.config_xml for f in self._ancestors(job.full_name)]
            loaded, lines = load_libraries(
                report.script,
                folders,
                self._settings.git_credentials.get,
                self._settings.git_timeout_s,
            )
            report.lines += lines
            if not loaded:
                return "FAILURE", report.lines, None
            report.lines += ["[Pipeline] Start of Pipeline", "[Pipeline] End of Pipeline"]
        checkout = None
        if report.revision is not None:
            checkout = Checkout(git.url, git.credentials_id, git.branch_spec, report.revision)
        return "SUCCESS", report.lines, checkout
