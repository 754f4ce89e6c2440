"""What the simulator needs to know about an item, read from its config.xml."""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder"
PIPELINE_CLASS = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
MULTIBRANCH_CLASS = "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
FREESTYLE_CLASS = "hudson.model.FreeStyleProject"

_ROOTS = {
    FOLDER_CLASS: ("folder", FOLDER_CLASS),
    "flow-definition": ("pipeline", PIPELINE_CLASS),
    MULTIBRANCH_CLASS: ("multibranch", MULTIBRANCH_CLASS),
    "project": ("freestyle", FREESTYLE_CLASS),
}
_SCM_TRIGGER = "hudson.triggers.SCMTrigger"
_IGNORE_NOTIFY_COMMIT = "hudson.plugins.git.extensions.impl.IgnoreNotifyCommit"
_GIT_SCM = "hudson.plugins.git.GitSCM"
_REMOTE_CONFIG = "userRemoteConfigs/hudson.plugins.git.UserRemoteConfig"
_FORBIDDEN_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

FOLDER_XML = (
    "<?xml version='1.1' encoding='UTF-8'?>\n"
    f'<{FOLDER_CLASS} plugin="cloudbees-folder"><actions/><description/><properties/>'
    '<folderViews class="com.cloudbees.hudson.plugins.folder.views.DefaultFolderViewHolder"/>'
    '<healthMetrics/><icon class="com.cloudbees.hudson.plugins.folder.icons.StockFolderIcon"/>'
    f"</{FOLDER_CLASS}>"
)


class ConfigError(ValueError):
    """The document is not a config.xml the simulator can hold."""


@dataclass(frozen=True)
class ParameterDefinition:
    type_class: str  # e.g. hudson.model.StringParameterDefinition
    name: str
    description: str
    default: str
    choices: tuple[str, ...] = ()

    @property
    def type_name(self) -> str:
        return self.type_class.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class GitSource:
    url: str
    credentials_id: str
    branch_spec: str
    ignore_notify_commit: bool = False  # the "Don't trigger a build on commit notifications"


@dataclass(frozen=True)
class JobConfig:
    kind: str  # folder | pipeline | multibranch | freestyle
    json_class: str
    description: str
    disabled: bool
    git: GitSource | None
    script_path: str
    parameters: tuple[ParameterDefinition, ...]
    scm_trigger: bool  # "Poll SCM", not ignoring post-commit hooks: notifyCommit polls it

    @property
    def is_folder(self) -> bool:
        return self.kind in ("folder", "multibranch")

    @property
    def buildable(self) -> bool:
        return self.kind in ("pipeline", "freestyle") and not self.disabled


@functools.lru_cache(maxsize=8192)
def parse_config(document: bytes) -> JobConfig:
    """What the simulator knows of a config.xml; each distinct document is parsed once."""
    if _FORBIDDEN_MARKUP.search(document):
        raise ConfigError("DOCTYPE and ENTITY declarations are not allowed in config.xml")
    try:
        # Safe here: DOCTYPE/ENTITY markup, the vector for entity expansion, is refused above.
        root = ET.fromstring(document)  # noqa: S314
    except ET.ParseError as exc:
        raise ConfigError(f"config.xml is not well-formed: {exc}") from exc
    if root.tag not in _ROOTS:
        raise ConfigError(f"Unsupported item type <{root.tag}>")
    kind, json_class = _ROOTS[root.tag]
    git, script_path = _source(kind, root)
    return JobConfig(
        kind=kind,
        json_class=json_class,
        description=root.findtext("description") or "",
        disabled=_text(root, "disabled") == "true",
        git=git,
        script_path=script_path,
        parameters=_parameters(root),
        scm_trigger=_polls_on_notification(root),
    )


def _polls_on_notification(root: ET.Element) -> bool:
    triggers = root.iter(_SCM_TRIGGER)
    return any(_text(t, "ignorePostCommitHooks") != "true" for t in triggers)


def _text(element: ET.Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return "" if found is None or found.text is None else found.text.strip()


def _source(kind: str, root: ET.Element) -> tuple[GitSource | None, str]:
    if kind == "pipeline":
        definition = root.find("definition")
        if definition is None:
            return None, ""
        return _git_scm(definition.find("scm")), _text(definition, "scriptPath") or "Jenkinsfile"
    if kind == "freestyle":
        return _git_scm(root.find("scm")), ""
    if kind == "multibranch":
        source = root.find("sources/data/jenkins.branch.BranchSource/source")
        script_path = _text(root.find("factory"), "scriptPath") or "Jenkinsfile"
        return _branch_source(source), script_path
    return None, ""


def _git_scm(scm: ET.Element | None) -> GitSource | None:
    if scm is None or scm.get("class") != _GIT_SCM:
        return None
    remote = scm.find(_REMOTE_CONFIG)
    branch = _text(scm, "branches/hudson.plugins.git.BranchSpec/name") or "**"
    ignore = scm.find(f"extensions/{_IGNORE_NOTIFY_COMMIT}") is not None
    return GitSource(_text(remote, "url"), _text(remote, "credentialsId"), branch, ignore)


def _branch_source(source: ET.Element | None) -> GitSource | None:
    if source is None:
        return None
    credentials = _text(source, "credentialsId")
    remote = _text(source, "remote")
    if remote:
        return GitSource(remote, credentials, "**")
    server = _text(source, "serverUrl").rstrip("/")
    owner, repository = _text(source, "repoOwner"), _text(source, "repository")
    if server and owner and repository:
        return GitSource(f"{server}/scm/{owner.lower()}/{repository}.git", credentials, "**")
    return None


def _parameters(root: ET.Element) -> tuple[ParameterDefinition, ...]:
    definitions = root.find(".//hudson.model.ParametersDefinitionProperty/parameterDefinitions")
    if definitions is None:
        return ()
    return tuple(_parameter(element) for element in definitions)


def _parameter(element: ET.Element) -> ParameterDefinition:
    choices_element = element.find("choices")
    choices: tuple[str, ...] = ()
    if choices_element is not None:
        choices = tuple(item.text or "" for item in choices_element.iter("string"))
    if choices:
        default = choices[0]
    else:
        default_element = element.find("defaultValue")
        default = "" if default_element is None else default_element.text or ""
    return ParameterDefinition(
        type_class=element.tag,
        name=_text(element, "name"),
        description=_text(element, "description"),
        default=default,
        choices=choices,
    )
