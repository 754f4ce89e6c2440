"""Jobs for a Jenkins simulator: pipelines from real git repositories on disk."""

from __future__ import annotations

import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/bin:/bin",
}


def git(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True)


def bare_repository(root: Path, files: dict[str, str]) -> str:
    """A bare repository whose `main` holds `files`; returns its file:// URL."""
    bare, work = root / "repo.git", root / "work"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    git("init", "--quiet", "--initial-branch=main", str(work))
    for name, content in files.items():
        (work / name).write_text(content)
    git("add", ".", cwd=work)
    git("commit", "--quiet", "-m", "initial", cwd=work)
    git("push", "--quiet", str(bare), "main", cwd=work)
    return bare.as_uri()


def pipeline_xml(
    url: str,
    script_path: str = "Jenkinsfile",
    branch: str = "main",
    parameters: str = "",
    push_trigger: bool = False,
) -> str:
    trigger = (
        (
            "<org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty><triggers>"
            "<hudson.triggers.SCMTrigger><spec/></hudson.triggers.SCMTrigger>"
            "</triggers></org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty>"
        )
        if push_trigger
        else ""
    )
    return (
        "<flow-definition plugin='workflow-job'><description/><properties>"
        f"{trigger}{parameters}</properties>"
        "<definition class='org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition'>"
        "<scm class='hudson.plugins.git.GitSCM'><configVersion>2</configVersion>"
        "<userRemoteConfigs><hudson.plugins.git.UserRemoteConfig>"
        f"<url>{escape(url)}</url><credentialsId>bitbucket-http</credentialsId>"
        "</hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>"
        f"<branches><hudson.plugins.git.BranchSpec><name>*/{branch}</name>"
        "</hudson.plugins.git.BranchSpec></branches><extensions/></scm>"
        f"<scriptPath>{escape(script_path)}</scriptPath><lightweight>true</lightweight>"
        "</definition><triggers/><disabled>false</disabled></flow-definition>"
    )
