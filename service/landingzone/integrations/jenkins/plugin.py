"""PipelineServer on Jenkins, through python-jenkins.

Every method is safe to repeat: items are looked up before they are created, a creation that
collides with a concurrent one is treated as done, and deleting a missing item succeeds.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any, cast
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

import jenkins
import requests

from landingzone.integrations.base import PermanentError, marked_owner, with_marker
from landingzone.integrations.ownership import checked_owner, require_owned
from landingzone.integrations.pipelines import (
    FolderSettings,
    PipelineDefinition,
    PipelineItem,
    QueuedBuild,
)

from .client import connect
from .config import JenkinsSettings
from .errors import SYSTEM, status_of, translated
from .jobs import (
    FOLDER_CLASS,
    folder_xml,
    pipeline_xml,
    reconfigured_folder_xml,
    secret_text_xml,
)
from .queue import RECENT_BUILDS, from_builds, from_queue_item, queue_item_path

# Items that hold other items; only a plain folder takes new ones from us.
_FOLDER_CLASSES = {
    FOLDER_CLASS,
    "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject",
    "jenkins.branch.OrganizationFolder",
}
_ITEM = "api/json?tree=name,description"
_JOB_STATE = "api/json?tree=name,inQueue,queueItem[id],lastBuild[number]"
# The folder's own credential store, global domain (Folders + Credentials plugins).
_FOLDER_STORE = "credentials/store/folder/domain/_/"
_XML = {"Content-Type": "text/xml; charset=utf-8"}


def item_path(full_name: str) -> str:
    return "".join(f"job/{quote(part, safe='')}/" for part in split_name(full_name))


def split_name(full_name: str) -> list[str]:
    parts = full_name.strip("/").split("/")
    if not all(part.strip() for part in parts):
        raise PermanentError(SYSTEM, f"invalid item name {full_name!r}")
    return parts


class JenkinsPipelineServer:
    def __init__(
        self, config: JenkinsSettings, *, timeout_s: float, client: jenkins.Jenkins | None = None
    ) -> None:
        self._config = config
        self._client = client if client is not None else connect(config, timeout_s)
        self._token = config.token.get_secret_value()

    def find_item(self, full_name: str) -> PipelineItem | None:
        with self._errors(f"look up {full_name}"):
            data = self._get(full_name, _ITEM)
        return None if data is None else self._item(full_name, data)

    def ensure_folder(
        self,
        full_name: str,
        description: str,
        owner: str,
        settings: FolderSettings | None = None,
    ) -> str:
        """As PipelineServer.ensure_folder says: the marker goes in the folder's description,
        `settings` (library pin, properties) into its config.xml, the rest of it kept.

        Missing parents are made as plain folders; they are looked at only when Jenkins says
        the folder cannot be created where it belongs."""
        checked_owner(SYSTEM, owner)
        marked_description = with_marker(description, owner)
        try:
            marked = folder_xml(marked_description, settings)
        except ValueError as error:
            raise PermanentError(SYSTEM, f"folder {full_name}: {error}") from None
        with self._errors(f"ensure folder {full_name}"):
            found = self._get(full_name, _ITEM)
            if found is None:
                try:
                    found = self._create(full_name, marked)
                except jenkins.NotFoundException:
                    self._ensure_parents(full_name)
                    found = self._create(full_name, marked)
            if found is None:
                return self.job_url(full_name)
            require_owned(SYSTEM, f"folder {full_name}", found.get("description"), owner)
            if found.get("_class") != FOLDER_CLASS:
                raise PermanentError(SYSTEM, f"{full_name} exists and is not a folder")
            if settings is not None:
                self._reconfigure_folder(full_name, marked_description, settings)
        return self.job_url(full_name)

    def _ensure_parents(self, full_name: str) -> None:
        parts = split_name(full_name)
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            with self._errors(f"ensure folder {parent}"):
                existing = self._get(parent, _ITEM)
                if existing is None:
                    existing = self._create(parent, folder_xml(""))
                if existing is not None and existing.get("_class") != FOLDER_CLASS:
                    raise PermanentError(SYSTEM, f"{parent} exists and is not a folder")

    def _reconfigure_folder(
        self, full_name: str, description: str, settings: FolderSettings
    ) -> None:
        current = self._client.get_job_config(full_name)
        try:
            updated = reconfigured_folder_xml(current, description, settings)
        except (ValueError, ET.ParseError) as error:
            raise PermanentError(SYSTEM, f"folder {full_name}: {error}") from None
        if updated != current:
            self._client.reconfig_job(full_name, updated)

    def ensure_pipeline(self, full_name: str, definition: PipelineDefinition, owner: str) -> str:
        """Create the job with `owner`'s marker, or reconfigure it if it carries that marker."""
        checked_owner(SYSTEM, owner)
        marked = replace(definition, description=with_marker(definition.description, owner))
        try:
            config_xml = pipeline_xml(marked)
        except ValueError as error:
            raise PermanentError(SYSTEM, f"pipeline {full_name}: {error}") from None
        with self._errors(f"ensure job {full_name}"):
            found = self._get(full_name, _ITEM)
            if found is None:
                found = self._create(full_name, config_xml)
            if found is None:
                return self.job_url(full_name)
            require_owned(SYSTEM, f"job {full_name}", found.get("description"), owner)
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

    def build_url(self, queued: QueuedBuild) -> str | None:
        """The build's URL once its queue item left the queue; None while it waits.

        A cancelled queue item is a PermanentError.
        """
        with self._errors(f"follow queue item {queued.queue_id} of {queued.job}"):
            url = self._client.server + queue_item_path(queued.queue_id)
            try:
                text = self._client.jenkins_open(requests.Request("GET", url))
            except jenkins.NotFoundException:
                return from_builds(queued, self._get(queued.job, RECENT_BUILDS))
            return from_queue_item(queued, _object(json.loads(text), queued.job))

    def push_hook_url(self, clone_url: str) -> str:
        """The git plugin's notifyCommit URL: polls every job that builds `clone_url`.

        It carries the notifyCommit access token: hand it to the repository host only.
        """
        query = {"url": clone_url}
        token = self._config.notify_commit_token
        if token.get_secret_value():
            query["token"] = token.get_secret_value()
        return f"{self._config.base_url}git/notifyCommit?{urlencode(query)}"

    def job_url(self, full_name: str) -> str:
        return self._config.base_url + item_path(full_name)

    def delete_item(self, full_name: str, owner: str) -> None:
        """Delete the item and everything in it if its marker names `owner`.

        An item already gone is fine; anyone else's raises ForeignResource.
        """
        checked_owner(SYSTEM, owner)
        with self._errors(f"delete {full_name}"):
            found = self._get(full_name, _ITEM)
            if found is None:
                return
            require_owned(SYSTEM, f"item {full_name}", found.get("description"), owner)
            try:
                self._client.delete_job(full_name)
            except jenkins.NotFoundException:
                return

    def set_folder_secret(
        self, folder: str, credential_id: str, secret: str, description: str, owner: str
    ) -> None:
        """Create the secret-text credential in the folder's store, or replace it.

        Only in a folder carrying `owner`'s marker (ForeignResource otherwise). The secret
        goes into the request body only; error messages have it masked.
        """
        checked_owner(SYSTEM, owner)
        action = f"set credential {credential_id!r} in folder {folder}"
        try:
            config_xml = secret_text_xml(credential_id, description, secret)
        except ValueError as error:
            raise PermanentError(SYSTEM, f"{action}: {error}") from None
        store = self._client.server + item_path(folder) + _FOLDER_STORE
        credential = f"{store}credential/{quote(credential_id, safe='')}/"
        hidden = (secret, escape(secret))
        with translated(action, self._token, self._client, hidden):
            found = self._get(folder, _ITEM)
            if found is None:
                raise PermanentError(SYSTEM, f"{action}: no such folder")
            require_owned(SYSTEM, f"folder {folder}", found.get("description"), owner)
            if found.get("_class") != FOLDER_CLASS:
                raise PermanentError(SYSTEM, f"{action}: {folder} is not a folder")
            if not self._post_new(store + "createCredentials", config_xml):
                self._post(credential + "config.xml", config_xml)

    # ------------------------------------------------------------------ helpers

    def _post(self, url: str, config_xml: str) -> None:
        self._client.jenkins_open(
            requests.Request("POST", url, data=config_xml.encode("utf-8"), headers=_XML)
        )

    def _post_new(self, url: str, config_xml: str) -> bool:
        """True if created; False on 409, the id taken by a concurrent or earlier call."""
        try:
            self._post(url, config_xml)
        except requests.HTTPError as error:
            if status_of(error) != 409:
                raise
            return False
        return True

    def _errors(self, action: str) -> AbstractContextManager[None]:
        return translated(action, self._token, self._client)

    def _item(self, full_name: str, data: dict[str, Any]) -> PipelineItem:
        return PipelineItem(
            full_name=full_name,
            url=self.job_url(full_name),
            owner=marked_owner(data.get("description")),
            is_folder=data.get("_class") in _FOLDER_CLASSES,
        )

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
        return _object(json.loads(text), full_name)

    def _create(self, full_name: str, config_xml: str) -> dict[str, Any] | None:
        """None if this call created the item; what is there if Jenkins says it exists already
        (an earlier attempt's, or anyone else's). Raises NotFoundException when the parent
        folder is missing.

        One POST: python-jenkins' create_job would look the item up before and after it."""
        *parents, name = split_name(full_name)
        parent = item_path("/".join(parents)) if parents else ""
        url = f"{self._client.server}{parent}createItem?name={quote(name, safe='')}"
        try:
            self._post(url, config_xml)
        except requests.HTTPError as error:
            if status_of(error) != 400:
                raise
            existing = self._get(full_name, _ITEM)
            if existing is None:
                raise
            return existing
        return None


def _object(data: Any, about: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PermanentError(SYSTEM, f"unexpected answer for {about}")
    return cast(dict[str, Any], data)
