"""config.xml documents made by the Jenkins adapter, read back as Jenkins would read them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from landingzone.integrations.jenkins.jobs import (
    build_pipeline_xml,
    folder_xml,
    pipeline_xml,
    promote_pipeline_xml,
    reconfigured_folder_xml,
)
from landingzone.integrations.pipelines import (
    FolderSettings,
    PipelineDefinition,
    PipelineParameter,
    SharedLibrary,
)

HOSTILE = '</description><script>alert("x")</script> & ]]> <!ENTITY x "y"> \x1b[31m é'
SCM = "definition/scm"
REMOTE = f"{SCM}/userRemoteConfigs/hudson.plugins.git.UserRemoteConfig"


def parse(document: str) -> ET.Element:
    assert document.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    return ET.fromstring(document.encode())  # noqa: S314 - our own document


def test_the_build_pipeline_reads_its_jenkinsfile_from_the_branch_and_follows_pushes() -> None:
    root = parse(
        build_pipeline_xml(
            "http://bb:7990/scm/prj/app.git?x=1&y=2",
            "bitbucket-http",
            "main",
            description="Builds app",
        )
    )

    assert root.tag == "flow-definition"
    assert root.findtext("description") == "Builds app"
    definition = root.find("definition")
    assert definition is not None
    assert definition.get("class") == "org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition"
    assert root.findtext(f"{REMOTE}/url") == "http://bb:7990/scm/prj/app.git?x=1&y=2"
    assert root.findtext(f"{REMOTE}/credentialsId") == "bitbucket-http"
    assert root.findtext(f"{SCM}/branches/hudson.plugins.git.BranchSpec/name") == "*/main"
    assert root.findtext("definition/scriptPath") == "Jenkinsfile"
    assert root.find(".//hudson.triggers.SCMTrigger") is not None
    assert root.find(".//hudson.model.ParametersDefinitionProperty") is None


def test_the_promote_pipeline_asks_for_a_version_and_one_of_the_environments() -> None:
    root = parse(
        promote_pipeline_xml(
            "http://bb:7990/scm/prj/app.git",
            "bitbucket-http",
            environments=["dev", "test", "prod"],
            description="Promotes app",
        )
    )

    definitions = root.find(
        "properties/hudson.model.ParametersDefinitionProperty/parameterDefinitions"
    )
    assert definitions is not None
    assert [(d.tag, d.findtext("name")) for d in definitions] == [
        ("hudson.model.StringParameterDefinition", "VERSION"),
        ("hudson.model.ChoiceParameterDefinition", "TARGET_ENVIRONMENT"),
    ]
    assert [s.text for s in definitions.iter("string")] == ["dev", "test", "prod"]
    assert root.findtext("definition/scriptPath") == "Jenkinsfile.promote"
    assert root.find(".//hudson.triggers.SCMTrigger") is None
    with pytest.raises(ValueError, match="environment"):
        promote_pipeline_xml("http://bb/scm/p/a.git", "bb", environments=[])


def test_hostile_values_stay_text_in_every_document() -> None:
    expected = HOSTILE.replace("\x1b", "")
    documents = [
        folder_xml(HOSTILE),
        build_pipeline_xml(HOSTILE, HOSTILE, "main", script_path=HOSTILE, description=HOSTILE),
        promote_pipeline_xml(HOSTILE, HOSTILE, HOSTILE, [HOSTILE, "prod"], HOSTILE),
    ]

    for document in documents:
        root = parse(document)
        assert "<script>" not in document and "<!ENTITY" not in document
        assert root.findtext("description") == expected
        assert root.find(".//script") is None
    pipeline = parse(documents[1])
    assert pipeline.findtext(f"{REMOTE}/url") == expected
    assert pipeline.findtext("definition/scriptPath") == expected
    assert [s.text for s in parse(documents[2]).iter("string")] == [expected, "prod"]


def test_parameter_defaults_follow_jenkins_rules() -> None:
    root = parse(
        pipeline_xml(
            PipelineDefinition(
                "http://bb/scm/p/a.git",
                "bb",
                "refs/heads/release",
                "ci/Jenkinsfile",
                "",
                parameters=(
                    PipelineParameter("VERSION", "", default="latest"),
                    PipelineParameter(
                        "TARGET", "", choices=("dev", "test", "prod"), default="test"
                    ),
                ),
            )
        )
    )

    assert root.findtext(".//hudson.model.StringParameterDefinition/defaultValue") == "latest"
    # A choice parameter defaults to its first choice.
    assert [s.text for s in root.iter("string")] == ["test", "dev", "prod"]
    assert root.findtext(f"{SCM}/branches/hudson.plugins.git.BranchSpec/name") == "*/release"
    assert root.find(".//hudson.triggers.SCMTrigger") is None
    with pytest.raises(ValueError, match="name"):
        pipeline_xml(
            PipelineDefinition(
                "u", "c", "main", "Jenkinsfile", "", parameters=(PipelineParameter(" ", ""),)
            )
        )


LIBRARY = "properties/org.jenkinsci.plugins.workflow.libs.FolderLibraries/libraries/" \
    "org.jenkinsci.plugins.workflow.libs.LibraryConfiguration"  # fmt: skip
PROPERTY = "properties/com.mig82.folders.properties.FolderProperties/properties/" \
    "com.mig82.folders.properties.StringProperty"  # fmt: skip


def test_folder_settings_carry_values_as_text_and_refuse_a_property_name_no_shell_reads() -> None:
    library = SharedLibrary("landingzone", "1.0.0", f"http://bb/scm/p/l.git?{HOSTILE}", "git")
    root = parse(folder_xml("d", FolderSettings(library, {"IMAGE": HOSTILE})))
    clean = HOSTILE.replace("\x1b", "")
    assert root.findtext(f"{LIBRARY}/retriever/scm/remote") == f"http://bb/scm/p/l.git?{clean}"
    assert [(e.findtext("key"), e.findtext("value")) for e in root.findall(PROPERTY)] == [
        ("IMAGE", clean)
    ]
    with pytest.raises(ValueError, match="not an environment name"):
        folder_xml("d", FolderSettings(properties={"IMAGE; rm -rf /": "x"}))
    with pytest.raises(ValueError, match="needs a name, a version and a clone URL"):
        folder_xml("d", FolderSettings(SharedLibrary("landingzone", " ", "http://x", "git")))


def test_a_folder_reconfigured_keeps_what_it_had_and_refuses_entity_declarations() -> None:
    current = folder_xml("old", FolderSettings(properties={"IMAGE": "a", "REGISTRY": "r"}))
    current = current.replace("<properties>", "<properties><other.Property>kept</other.Property>")
    updated = parse(reconfigured_folder_xml(current, "new", FolderSettings(properties={"X": "1"})))
    assert updated.findtext("description") == "new"
    assert updated.findtext("properties/other.Property") == "kept"
    assert [e.findtext("key") for e in updated.findall(PROPERTY)] == ["X"]
    with pytest.raises(ValueError, match="DOCTYPE"):
        reconfigured_folder_xml('<!DOCTYPE x [<!ENTITY a "b">]><x/>', "d", FolderSettings())
