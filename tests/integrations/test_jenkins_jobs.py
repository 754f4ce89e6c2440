"""config.xml documents made by the Jenkins adapter, read back as Jenkins would read them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from landingzone.integrations.base import PipelineDefinition, PipelineParameter
from landingzone.integrations.jenkins.jobs import (
    build_pipeline_xml,
    folder_xml,
    pipeline_xml,
    promote_pipeline_xml,
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
