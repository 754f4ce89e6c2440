"""config.xml documents for the folder, the build pipeline and the promote pipeline.

Documents are built as element trees, so every value is escaped by the serializer; values
are never formatted into markup. Characters XML 1.0 cannot carry (most control characters)
are dropped from values.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from landingzone.integrations.base import PipelineDefinition, PipelineParameter

FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder"
PIPELINE_TRIGGERS = "org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty"
PARAMETERS = "hudson.model.ParametersDefinitionProperty"
NO_CONCURRENT_BUILDS = (
    "org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty"
)
VERSION_PARAMETER = "VERSION"
ENVIRONMENT_PARAMETER = "TARGET_ENVIRONMENT"

_NOT_XML_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def folder_xml(description: str = "") -> str:
    root = ET.Element(FOLDER_CLASS, plugin="cloudbees-folder")
    ET.SubElement(root, "actions")
    _text(root, "description", description)
    ET.SubElement(root, "properties")
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


def _clean(value: str) -> str:
    return _NOT_XML_CHARS.sub("", value)


def _serialize(root: ET.Element) -> str:
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document.decode("utf-8")
