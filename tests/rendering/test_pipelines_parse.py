"""The rendered pipelines and the shared library they call parse, and call only steps that exist.

Every class's `Jenkinsfile` and `Jenkinsfile.promote` are a library load and one step call;
each step they call must be a global step of `jenkins-library/vars/`, and each step the library
calls must be one of its own or a Jenkins step from the plugins the platform installs (the
explicit list below: a typo or an unknown plugin step fails here, not in a team's build).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from landingzone.integrations.jenkins.config import LIBRARY_VERSION, JenkinsSettings
from landingzone.rendering import ProjectClass, RenderedProject, render_project
from tests.rendering.conftest import CLASS_IDS, EDGE_DESCRIPTION, LONGEST_NAME, make_context
from tests.rendering.toolchains import groovy_calls, groovy_problems, groovy_string_arguments

LIBRARY = Path(__file__).resolve().parents[2] / "jenkins-library"
VARS = {path.stem: path.read_bytes() for path in sorted((LIBRARY / "vars").glob("*.groovy"))}

# Jenkins steps and Declarative sections the library may use, by plugin.
JENKINS_STEPS = {
    # workflow-basic-steps, workflow-durable-task-step, workflow-cps, pipeline-stage-step
    "sh", "error", "readFile", "writeFile", "archiveArtifacts", "timeout", "waitUntil",
    "withEnv", "node", "stage", "timestamps",
    # pipeline-groovy-lib
    "libraryResource",
    # pipeline-model-definition (Declarative)
    "pipeline", "agent", "label", "docker", "image", "reuseNode", "options", "environment",
    "stages", "steps", "post", "always", "cleanup", "script", "skipDefaultCheckout",
    "buildDiscarder", "logRotator", "disableConcurrentBuilds",
    # workflow-scm-step, credentials-binding, junit, warnings-ng, ws-cleanup, folder-properties
    "checkout", "withCredentials", "usernamePassword", "string", "junit", "recordIssues",
    "spotBugs", "msBuild", "esLint", "pyLint", "trivy", "cleanWs", "withFolderProperties",
}  # fmt: skip
BUILD_STAGES = [
    "Checkout", "Build", "Unit tests", "Static analysis", "Image build", "Image scan", "Push",
    "Publish results",
]  # fmt: skip
LIBRARY_LOAD = re.compile(rb"^@Library\('([^'@]+)'\) _$", re.MULTILINE)


@pytest.fixture(scope="module", params=[(c, v) for c in CLASS_IDS for v in ("plain", "edge")])
def project(
    request: pytest.FixtureRequest,
    classes: dict[str, ProjectClass],
    tmp_path_factory: pytest.TempPathFactory,
) -> RenderedProject:
    class_id, variant = request.param
    context = make_context(class_id)
    if variant == "edge":
        context = make_context(
            class_id, component_name=LONGEST_NAME, description=EDGE_DESCRIPTION, system=""
        )
    return render_project(classes[class_id], context, tmp_path_factory.mktemp(class_id))


@pytest.mark.parametrize("name", sorted(VARS))
def test_every_library_step_parses_and_calls_only_steps_that_exist(name: str) -> None:
    source = VARS[name]
    assert groovy_problems(source) == []
    assert b"def call(" in source
    unknown = groovy_calls(source) - set(VARS) - JENKINS_STEPS - {"call"}
    assert unknown == set(), f"{name} calls steps that exist nowhere: {sorted(unknown)}"


@pytest.mark.parametrize("script", ["Jenkinsfile", "Jenkinsfile.promote"])
def test_the_rendered_pipelines_parse_and_call_one_library_step(
    project: RenderedProject, script: str
) -> None:
    source = (project.root / script).read_bytes()
    assert groovy_problems(source) == []
    assert LIBRARY_LOAD.findall(source) == [JenkinsSettings().library_name.encode()]
    calls = groovy_calls(source)
    assert calls == {"landingZoneBuild" if script == "Jenkinsfile" else "landingZonePromote"}
    assert calls <= set(VARS)
    # No request value is a pipeline setting: the description never reaches the script.
    assert b"Pays suppliers" not in source and EDGE_DESCRIPTION[:20].encode() not in source
    assert len(source.splitlines()) <= 10


def test_the_build_step_runs_the_platform_stages_and_the_promote_step_waits_off_executors() -> None:
    assert groovy_string_arguments(VARS["landingZoneBuild"], "stage") == BUILD_STAGES
    promote = VARS["landingZonePromote"].decode()
    assert groovy_string_arguments(VARS["landingZonePromote"], "stage") == [
        "Request", "Approval", "Verify",
    ]  # fmt: skip
    # The approval wait is a waitUntil outside node {}; each look borrows an agent briefly.
    wait = promote[promote.index("stage('Approval')") : promote.index("stage('Verify')")]
    assert wait.index("waitUntil(") < wait.index("node(label)")
    assert "--timeout 0" in wait
    # No executor-holding input step, and no job parameters or properties of its own (the
    # service owns the job's VERSION and TARGET_ENVIRONMENT).
    assert {"input", "parameters", "properties"} & groovy_calls(VARS["landingZonePromote"]) == set()


def test_the_library_version_the_service_pins_is_the_version_in_this_tree() -> None:
    assert (LIBRARY / "VERSION").read_text().strip() == LIBRARY_VERSION
    assert JenkinsSettings().library_version == LIBRARY_VERSION
    assert (LIBRARY / "resources/landingzone/promote.py").is_file()
