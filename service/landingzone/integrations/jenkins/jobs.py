"""config.xml documents for the folder, the pipelines and the folder's secret-text credential.

Documents are built as element trees, so every value is escaped by the serializer; values
are never formatted into markup. Characters XML 1.0 cannot carry (most control characters)
are dropped from values.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from landingzone.integrations.pipelines import (
    FolderSettings,
    PipelineDefinition,
    PipelineParameter,
    SharedLibrary,
)

FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder"
STRING_CREDENTIALS_CLASS = "org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl"
PIPELINE_TRIGGERS = "org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty"
PARAMETERS = "hudson.model.ParametersDefinitionProperty"
NO_CONCURRENT_BUILDS = (
    "org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty"
)
FOLDER_LIBRARIES = "org.jenkinsci.plugins.workflow.libs.FolderLibraries"
LIBRARY_CONFIGURATION = "org.jenkinsci.plugins.workflow.libs.LibraryConfiguration"
SCM_SOURCE_RETRIEVER = "org.jenkinsci.plugins.workflow.libs.SCMSourceRetriever"
GIT_SCM_SOURCE = "jenkins.plugins.git.GitSCMSource"
FOLDER_PROPERTIES = "com.mig82.folders.properties.FolderProperties"
STRING_PROPERTY = "com.mig82.folders.properties.StringProperty"
VERSION_PARAMETER = "VERSION"
ENVIRONMENT_PARAMETER = "TARGET_ENVIRONMENT"

_NOT_XML_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DECLARATIONS = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def folder_xml(description: str = "", settings: FolderSettings | None = None) -> str:
    root = ET.Element(FOLDER_CLASS, plugin="cloudbees-folder")
    ET.SubElement(root, "actions")
    _text(root, "description", description)
    _folder_settings(ET.SubElement(root, "properties"), settings or FolderSettings())
    ET.SubElement(
        root,
        "folderViews",
        {"class": "com.cloudbees.hudson.plugins.folder.views.DefaultFolderViewHolder"},
    )
    ET.SubElement(root, "healthMetrics")
    ET.SubElement(
        root, "icon", {"class": "com.cloudbees.hudson.plugins.folder.icons.StockFolderIcon"}
    )
    return _serialize(root)


def reconfigured_folder_xml(current: str, description: str, settings: FolderSettings) -> str:
    """The folder's config.xml `current` with `description` and `settings` in place.

    Everything else is kept as Jenkins wrote it: posting config.xml replaces the whole
    item, and a folder's properties also hold its credentials store.
    """
    if _DECLARATIONS.search(current):
        raise ValueError("the folder's config.xml carries DOCTYPE or ENTITY declarations")
    # Safe: the declarations that entity expansion needs are refused above.
    root = ET.fromstring(current)  # noqa: S314
    if root.tag != FOLDER_CLASS:
        raise ValueError(f"the item is a {root.tag}, not a folder")
    found = root.find("description")
    (found if found is not None else ET.SubElement(root, "description")).text = _clean(description)
    properties = root.find("properties")
    if properties is None:
        properties = ET.SubElement(root, "properties")
    for ours in [*properties.findall(FOLDER_LIBRARIES), *properties.findall(FOLDER_PROPERTIES)]:
        properties.remove(ours)
    _folder_settings(properties, settings)
    return _serialize(root)


def _folder_settings(properties: ET.Element, settings: FolderSettings) -> None:
    if settings.library is not None:
        _library(properties, settings.library)
    if settings.properties:
        holder = ET.SubElement(properties, FOLDER_PROPERTIES, plugin="folder-properties")
        listed = ET.SubElement(holder, "properties")
        for key, value in sorted(settings.properties.items()):
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                raise ValueError(f"folder property name {key!r} is not an environment name")
            entry = ET.SubElement(listed, STRING_PROPERTY)
            _text(entry, "key", key)
            _text(entry, "value", value)


def _library(properties: ET.Element, library: SharedLibrary) -> None:
    if not library.name.strip() or not library.version.strip() or not library.clone_url:
        raise ValueError("a pinned library needs a name, a version and a clone URL")
    libraries = ET.SubElement(
        ET.SubElement(properties, FOLDER_LIBRARIES, plugin="pipeline-groovy-lib"), "libraries"
    )
    configuration = ET.SubElement(libraries, LIBRARY_CONFIGURATION)
    _text(configuration, "name", library.name)
    retriever = ET.SubElement(configuration, "retriever", {"class": SCM_SOURCE_RETRIEVER})
    source = ET.SubElement(retriever, "scm", {"class": GIT_SCM_SOURCE, "plugin": "git"})
    _text(source, "id", f"library-{library.name}")
    _text(source, "remote", library.clone_url)
    _text(source, "credentialsId", library.credentials_id)
    traits = ET.SubElement(source, "traits")
    ET.SubElement(traits, "jenkins.plugins.git.traits.BranchDiscoveryTrait")
    ET.SubElement(traits, "jenkins.plugins.git.traits.TagDiscoveryTrait")
    _text(configuration, "defaultVersion", library.version)
    _text(configuration, "implicit", "false")
    _text(configuration, "allowVersionOverride", "false")
    _text(configuration, "includeInChangesets", "false")


def pipeline_xml(definition: PipelineDefinition) -> str:
    """A pipeline whose script is read from the repository at `definition.branch`.

    A pipeline without parameters is started by every push to its branch; one with
    parameters is run by hand, one build at a time.
    """
    root, properties = _flow_definition(definition.description)
    if definition.parameters:
        ET.SubElement(properties, NO_CONCURRENT_BUILDS)
        _parameters(properties, definition.parameters)
    else:
        triggers = ET.SubElement(ET.SubElement(properties, PIPELINE_TRIGGERS), "triggers")
        scm_trigger = ET.SubElement(triggers, "hudson.triggers.SCMTrigger")
        ET.SubElement(scm_trigger, "spec")  # empty: no polling, only push notifications
        _text(scm_trigger, "ignorePostCommitHooks", "false")
    _definition(root, definition)
    return _finish(root)


def build_pipeline_xml(
    clone_url: str,
    credentials_id: str,
    branch: str,
    script_path: str = "Jenkinsfile",
    description: str = "",
) -> str:
    """The build pipeline: `script_path` on `branch`, started by every push to that branch."""
    return pipeline_xml(
        PipelineDefinition(clone_url, credentials_id, branch, script_path, description)
    )


def promote_pipeline_xml(
    clone_url: str,
    credentials_id: str,
    script_path: str = "Jenkinsfile.promote",
    environments: Sequence[str] = (),
    description: str = "",
    branch: str = "main",
) -> str:
    """The promote pipeline: run by hand with VERSION and TARGET_ENVIRONMENT.

    The first environment is the default target.
    """
    if not environments:
        raise ValueError("a promote pipeline needs at least one environment")
    parameters = (
        PipelineParameter(VERSION_PARAMETER, "The build version to promote"),
        PipelineParameter(
            ENVIRONMENT_PARAMETER, "The environment to deploy to", choices=tuple(environments)
        ),
    )
    return pipeline_xml(
        PipelineDefinition(clone_url, credentials_id, branch, script_path, description, parameters)
    )


def secret_text_xml(credential_id: str, description: str, secret: str) -> str:
    """A secret-text credential in the global scope.

    The id and the secret are taken exactly or refused (ValueError, never quoting them): a
    character dropped from either would silently make another credential.
    """
    if not credential_id.strip() or not _carried_exactly(credential_id):
        raise ValueError("a credential id must be non-empty text XML carries unchanged")
    if not _carried_exactly(secret):
        raise ValueError("the secret holds characters XML does not carry unchanged")
    root = ET.Element(STRING_CREDENTIALS_CLASS, plugin="plain-credentials")
    _text(root, "scope", "GLOBAL")
    _text(root, "id", credential_id)
    _text(root, "description", description)
    _text(root, "secret", secret)
    return _serialize(root)


def _parameters(properties: ET.Element, parameters: Sequence[PipelineParameter]) -> None:
    definitions = ET.SubElement(ET.SubElement(properties, PARAMETERS), "parameterDefinitions")
    for parameter in parameters:
        if not _clean(parameter.name).strip():
            raise ValueError("a pipeline parameter needs a name")
        if not parameter.choices:
            string = ET.SubElement(definitions, "hudson.model.StringParameterDefinition")
            _text(string, "name", parameter.name)
            _text(string, "description", parameter.description)
            _text(string, "defaultValue", parameter.default)
            _text(string, "trim", "true")
            continue
        choice = ET.SubElement(definitions, "hudson.model.ChoiceParameterDefinition")
        _text(choice, "name", parameter.name)
        _text(choice, "description", parameter.description)
        listed = ET.SubElement(
            ET.SubElement(choice, "choices", {"class": "java.util.Arrays$ArrayList"}),
            "a",
            {"class": "string-array"},
        )
        # Jenkins offers the first choice as the default.
        choices = list(parameter.choices)
        if parameter.default in choices:
            choices.remove(parameter.default)
            choices.insert(0, parameter.default)
        for value in choices:
            _text(listed, "string", value)


def _flow_definition(description: str) -> tuple[ET.Element, ET.Element]:
    root = ET.Element("flow-definition", plugin="workflow-job")
    ET.SubElement(root, "actions")
    _text(root, "description", description)
    _text(root, "keepDependencies", "false")
    return root, ET.SubElement(root, "properties")


def _definition(root: ET.Element, pipeline: PipelineDefinition) -> None:
    definition = ET.SubElement(
        root,
        "definition",
        {
            "class": "org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition",
            "plugin": "workflow-cps",
        },
    )
    scm = ET.SubElement(definition, "scm", {"class": "hudson.plugins.git.GitSCM", "plugin": "git"})
    _text(scm, "configVersion", "2")
    remote = ET.SubElement(
        ET.SubElement(scm, "userRemoteConfigs"), "hudson.plugins.git.UserRemoteConfig"
    )
    _text(remote, "url", pipeline.clone_url)
    _text(remote, "credentialsId", pipeline.credentials_id)
    branch_spec = ET.SubElement(ET.SubElement(scm, "branches"), "hudson.plugins.git.BranchSpec")
    _text(branch_spec, "name", f"*/{pipeline.branch.removeprefix('refs/heads/')}")
    _text(scm, "doGenerateSubmoduleConfigurations", "false")
    ET.SubElement(scm, "submoduleCfg", {"class": "empty-list"})
    ET.SubElement(scm, "extensions")
    _text(definition, "scriptPath", pipeline.script_path)
    _text(definition, "lightweight", "true")


def _finish(root: ET.Element) -> str:
    ET.SubElement(root, "triggers")
    _text(root, "disabled", "false")
    return _serialize(root)


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _clean(value)
    return element


def _carried_exactly(value: str) -> bool:
    # A parser reads a carriage return as a line feed.
    return "\r" not in value and not _NOT_XML_CHARS.search(value)


def _clean(value: str) -> str:
    return _NOT_XML_CHARS.sub("", value)


def _serialize(root: ET.Element) -> str:
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document.decode("utf-8")
