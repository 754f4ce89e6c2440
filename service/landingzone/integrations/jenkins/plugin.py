"""PipelineServer on Jenkins, through python-jenkins.

Every method is safe to repeat: items are looked up before they are created, a creation that
collides with a concurrent one is treated as done, and deleting a missing item succeeds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, cast
from urllib.parse import quote

import jenkins
import requests

from landingzone.integrations.base import PermanentError, PipelineDefinition, QueuedBuild

from .client import connect
from .config import JenkinsConfig
from .errors import SYSTEM, status_of, translated
from .jobs import FOLDER_CLASS, folder_xml, pipeline_xml

_FOLDER_CLASSES = {FOLDER_CLASS}
_JOB_STATE = "api/json?tree=name,inQueue,queueItem[id],lastBuild[number]"


def item_path(full_name: str) -> str:
    return "".join(f"job/{quote(part, safe='')}/" for part in split_name(full_name))


def split_name(full_name: str) -> list[str]:
    parts = full_name.strip("/").split("/")
    if not all(part.strip() for part in parts):
        raise PermanentError(SYSTEM, f"invalid item name {full_name!r}")
    return parts


class JenkinsPipelineServer:
    def __init__(self, config: JenkinsConfig, client: jenkins.Jenkins | None = None) -> None:
        self._config = config
        self._client = client if client is not None else connect(config)
        self._token = config.token.get_secret_value()

    def ensure_folder(self, full_name: str, description: str) -> str:
        """Create each missing folder along `a/b/c`; only the last one gets `description`.

        Existing folders are left as they are.
        """
        parts = split_name(full_name)
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            with self._errors(f"ensure folder {path}"):
                existing = self._get(path, "api/json?tree=name")
                if existing is None:
                    leaf = depth == len(parts)
                    self._create(path, folder_xml(description if leaf else ""))
                elif existing.get("_class") not in _FOLDER_CLASSES:
                    raise PermanentError(SYSTEM, f"{path} exists and is not a folder")
        return self.job_url(full_name)

    def ensure_pipeline(self, full_name: str, definition: PipelineDefinition) -> str:
        """Create the pipeline job, or replace its configuration when it exists already."""
        try:
            config_xml = pipeline_xml(definition)
        except ValueError as error:
            raise PermanentError(SYSTEM, f"pipeline {full_name}: {error}") from None
        return self.ensure_job(full_name, config_xml)

    def ensure_job(self, full_name: str, config_xml: str) -> str:
        """Create the job from `config_xml`, or replace the configuration of the existing one."""
        with self._errors(f"ensure job {full_name}"):
            missing = self._get(full_name, "api/json?tree=name") is None
            if not (missing and self._create(full_name, config_xml)):
                self._client.reconfig_job(full_name, config_xml)
        return self.job_url(full_name)

    def trigger_build(self, full_name: str, parameters: Mapping[str, str]) -> QueuedBuild:
        """Make sure the job has been built once, and say which queue item did it.

        If the job already has a queued item, or already has a build, that one is returned
        and nothing is triggered: a replay after a crash or a lost response never starts a
        duplicate first build. Otherwise a build is queued with `parameters` (none: `/build`,
        some: `/buildWithParameters`).
        """
        url = self.job_url(full_name)
        with self._errors(f"trigger build of {full_name}"):
            state = self._get(full_name, _JOB_STATE)
            if state is None:
                raise PermanentError(SYSTEM, f"trigger build of {full_name}: no such job")
            queued = state.get("queueItem")
            if isinstance(queued, dict) and "id" in queued:
                return QueuedBuild(full_name, int(queued["id"]), url)
            last = state.get("lastBuild")
            if isinstance(last, dict) and "number" in last:
                build = self._get(full_name, f"{int(last['number'])}/api/json?tree=queueId")
                if build is not None and "queueId" in build:
                    return QueuedBuild(full_name, int(build["queueId"]), url)
            queue_id = self._client.build_job(full_name, dict(parameters) or None)
        return QueuedBuild(full_name, int(queue_id), url)

    def job_url(self, full_name: str) -> str:
        return self._config.base_url + item_path(full_name)

    def delete_item(self, full_name: str) -> None:
        """Delete the item and everything in it; an item already gone is fine."""
        split_name(full_name)
        with self._errors(f"delete {full_name}"):
            try:
                self._client.delete_job(full_name)
            except jenkins.NotFoundException:
                return

    # ------------------------------------------------------------------ helpers

    def _errors(self, action: str) -> AbstractContextManager[None]:
        return translated(action, self._token, self._client)

    def _get(self, full_name: str, suffix: str) -> dict[str, Any] | None:
        """JSON at the item's URL + `suffix`; None when the item does not exist.

        python-jenkins' own getters turn every HTTP error into "does not exist"; this keeps
        a 404 apart from a 5xx, which must be retried rather than acted upon.
        """
        url = self._client.server + item_path(full_name) + suffix
        try:
            text = self._client.jenkins_open(requests.Request("GET", url))
        except jenkins.NotFoundException:
            return None
        data = json.loads(text)
        if not isinstance(data, dict):
            raise PermanentError(SYSTEM, f"unexpected answer for {full_name}")
        return cast(dict[str, Any], data)

    def _create(self, full_name: str, config_xml: str) -> bool:
        """True if this call created the item; False if someone else just did."""
        try:
            self._client.create_job(full_name, config_xml)
        except (jenkins.JenkinsException, requests.HTTPError) as error:
            if status_of(error) not in (None, 400):
                raise
            if self._get(full_name, "api/json?tree=name") is None:
                raise
            return False
        return True
