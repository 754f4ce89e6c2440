"""The workflow's rules that need no downstream system: planning (names, approval policy,
environments, pipelines) and the stage construct every stage runs in."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from dbos import error as dbos_error

from landingzone.integrations.base import PermanentError, Repository, RepositoryAddress
from landingzone.landing_zone import workspace
from landingzone.landing_zone.models import LandingZoneRequest
from landingzone.landing_zone.progress import Run
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.service import Plan, RequestRejected, make_plan, request_hash
from landingzone.landing_zone.stages import StageFailed, stage
from landingzone.rendering import DEFAULT_TEMPLATES_ROOT, ProjectClass, load_classes
from landingzone.rendering.environments import ResolvedEnvironment
from tests.support.in_process import default_platform, install_runtime, platform_from
from tests.support.sandbox import request_body


@pytest.fixture(scope="module")
def classes() -> dict[str, ProjectClass]:
    return load_classes(DEFAULT_TEMPLATES_ROOT)


def plan_for(classes: dict[str, ProjectClass], **changes: Any) -> Plan:
    body = {**request_body("payments-api"), **changes}
    request = LandingZoneRequest.model_validate(body)
    return make_plan("lz_rules", request, default_platform(), classes)


# ---------------------------------------------------------------- planning


def test_names_come_from_the_tenant_and_the_component_name(
    classes: dict[str, ProjectClass],
) -> None:
    names = plan_for(classes, tenant="retail").names
    assert (names.repository.project, names.repository.slug) == ("RETAIL", "payments-api")
    assert names.environment_repository.slug == "payments-api-env"
    assert names.environment_repository.project == "RETAIL"
    assert names.jenkins_folder == "retail/payments-api"
    assert (names.build_job, names.promote_job) == (
        "retail/payments-api/build",
        "retail/payments-api/promote",
    )


def test_the_tenants_policy_decides_whether_an_approval_is_asked_and_of_whom(
    classes: dict[str, ProjectClass],
) -> None:
    retail = plan_for(classes, tenant="retail")
    assert retail.approval_required and retail.approval_group == "retail-change-board"
    labs = plan_for(classes, tenant="labs")
    assert not labs.approval_required and labs.approval_group is None
    assert retail.catalog_item == labs.catalog_item == "Landing zone"


def test_a_tenants_own_catalog_item_wins_over_the_global_one() -> None:
    tenant = {
        "title": "T",
        "bitbucket_project": "TT",
        "jenkins_folder": "tt",
        "owner_groups": "all",
    }
    platform = platform_from(
        {
            "global": {"registry": "registry.example", "servicenow_catalog_item": "Landing zone"},
            "tenants": {"plain": tenant, "own": {**tenant, "servicenow_catalog_item": "LZ (own)"}},
        }
    )
    assert platform.catalog_item("plain") == "Landing zone"
    assert platform.catalog_item("own") == "LZ (own)"


@pytest.mark.parametrize(
    ("owner", "reference", "group"),
    [
        ("payments", "group:default/payments", "payments"),
        ("group:default/payments", "group:default/payments", "payments"),
        ("group:finance/payments", "group:finance/payments", "payments"),
        ("finance/payments", "group:finance/payments", "payments"),
    ],
)
def test_owners_become_full_group_references(
    classes: dict[str, ProjectClass], owner: str, reference: str, group: str
) -> None:
    plan = plan_for(classes, owner=owner)
    assert (plan.owner_ref, plan.owner_group) == (reference, group)


def test_every_problem_of_a_request_is_named_at_once(classes: dict[str, ProjectClass]) -> None:
    request = LandingZoneRequest.model_validate(
        {**request_body("a" * 61), "class": "cobol", "tenant": "nowhere"}
    )
    with pytest.raises(RequestRejected) as rejected:
        make_plan("lz_rules", request, default_platform(), classes)
    assert [loc for loc, _ in rejected.value.problems] == [
        ("body", "tenant"),
        ("body", "class"),
        ("body", "name"),
    ]


def test_the_class_defaults_fill_in_the_parameters_left_out(
    classes: dict[str, ProjectClass],
) -> None:
    plan = plan_for(classes, **{"class": "java"})
    declared = classes["java"].parameters_schema["properties"]
    assert set(plan.parameters) == {
        name for name, schema in declared.items() if "default" in schema
    }


def _environments(plan: Plan) -> dict[str, ResolvedEnvironment]:
    address = RepositoryAddress(browse_url="https://x.invalid/b", clone_url="https://x.invalid/c")
    context = workspace.environment_context(plan, "", workspace.Addresses(address, address))
    return {environment.name: environment for environment in context.environments}


def test_environments_resolve_from_global_through_tenant_to_project(
    classes: dict[str, ProjectClass],
) -> None:
    environments = _environments(plan_for(classes, tenant="retail"))
    assert list(environments) == ["dev", "test", "prod"]
    prod, dev = environments["prod"], environments["dev"]
    assert (prod.quota_cpu.value, prod.quota_cpu.scope) == ("16", "project")
    assert (prod.quota_memory.value, prod.quota_memory.scope) == ("32Gi", "project")
    assert (dev.quota_cpu.value, dev.quota_cpu.scope) == ("2", "global")
    assert (dev.namespace.value, dev.namespace.scope) == ("retail-payments-api-dev", "global")
    other = _environments(plan_for(classes, tenant="retail", name="ledger-api"))["prod"]
    assert (other.quota_cpu.value, other.quota_cpu.scope) == ("8", "tenant")


def test_secrets_are_references_to_a_secret_store_never_values(
    classes: dict[str, ProjectClass],
) -> None:
    prod = _environments(plan_for(classes, tenant="retail"))["prod"]
    secrets = {name: (value.value, value.scope) for name, value in prod.secrets}
    assert secrets == {
        "database": ("vault:secret/data/retail/payments-api/prod/database", "tenant"),
        "registry-push": ("jenkins-credentials:nexus-push-prod", "global"),
    }


def test_the_build_and_promote_jobs_build_the_repository_the_host_serves(
    classes: dict[str, ProjectClass],
) -> None:
    plan = plan_for(classes)
    project = Repository("LABS", "payments-api", "https://bb/browse", "https://bb/scm/p.git")
    environments = Repository("LABS", "payments-api-env", "https://bb/env", "https://bb/e.git")
    build, promote = plan.pipelines(project, environments)
    assert build.full_name == "labs/payments-api/build"
    assert build.definition.clone_url == promote.definition.clone_url == project.clone_url
    assert (build.definition.script_path, promote.definition.script_path) == (
        "Jenkinsfile",
        "Jenkinsfile.promote",
    )
    assert build.definition.parameters == ()
    version, target = promote.definition.parameters
    assert version.name == "VERSION"
    assert (target.name, tuple(target.choices or ())) == (
        "TARGET_ENVIRONMENT",
        ("dev", "test", "prod"),
    )
    assert environments.browse_url in promote.definition.description


def test_a_request_is_identified_by_its_content_not_its_key_order() -> None:
    body = request_body("payments-api")
    assert request_hash(body) == request_hash(dict(reversed(list(body.items()))))
    assert request_hash(body) != request_hash({**body, "description": "Something else."})


# ---------------------------------------------------------------- the stage construct


@pytest.fixture
def live(tmp_path: Path) -> Runtime:
    live = install_runtime(tmp_path)
    live.store.create_schema()
    live.store.insert("lz_stage", request_body("staged"), "hash", None)
    return live


RUN = Run("lz_stage", 0)


def recorded(live: Runtime) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The status of each step that left `pending`, and each event's kind and message."""
    rows = live.store.steps.of(RUN.landing_zone_id)
    steps = {row.name: row.status.value for row in rows if row.status.value != "pending"}
    events = [(e.kind, e.message) for e in live.store.events.after(RUN.landing_zone_id, 0)]
    return steps, events


def test_a_stage_that_finishes_is_recorded_started_then_succeeded(live: Runtime) -> None:
    with stage(RUN, "render") as current:
        current.finished("render: 12 files")
    assert recorded(live) == (
        {"render": "succeeded"},
        [("step_started", "render: started"), ("step_succeeded", "render: 12 files")],
    )


def test_a_skipped_stage_says_so(live: Runtime) -> None:
    with stage(RUN, "approve") as current:
        current.skipped("approve: approved by policy")
    steps, events = recorded(live)
    assert steps == {"approve": "skipped"}
    assert events[-1] == ("step_skipped", "approve: approved by policy")


def test_any_error_becomes_a_failure_of_the_stage_that_names_it(live: Runtime) -> None:
    with pytest.raises(StageFailed) as failed, stage(RUN, "render"):
        raise ValueError("the template is broken")
    assert (failed.value.stage, failed.value.message) == (
        "render",
        "unexpected error: ValueError: the template is broken",
    )
    assert str(failed.value) == "render: unexpected error: ValueError: the template is broken"
    steps, events = recorded(live)
    assert steps == {"render": "failed"}
    assert events[-1] == (
        "step_failed",
        "render: unexpected error: ValueError: the template is broken",
    )


def test_a_systems_refusal_is_reported_in_its_own_words(live: Runtime) -> None:
    with pytest.raises(StageFailed) as failed, stage(RUN, "repository"):
        raise PermanentError("bitbucket", "project LABS is read-only")
    assert failed.value.message == "bitbucket: project LABS is read-only"


def test_a_stage_that_already_said_it_failed_is_recorded_once(live: Runtime) -> None:
    with pytest.raises(StageFailed), stage(RUN, "approve") as current:
        current.failed("approval expired")
        raise RuntimeError("and then something else broke")
    _, events = recorded(live)
    assert [message for kind, message in events if kind == "step_failed"] == [
        "approve: approval expired"
    ]


def test_a_failure_from_an_inner_stage_passes_through_untouched(live: Runtime) -> None:
    inner = StageFailed("plan", "name taken")
    with pytest.raises(StageFailed) as failed, stage(RUN, "render"):
        raise inner
    assert failed.value is inner
    steps, _ = recorded(live)
    assert steps["render"] == "running", "the outer stage records no failure of its own"


def test_a_cancel_from_the_workflow_engine_is_not_a_stage_failure(live: Runtime) -> None:
    cancelled = dbos_error.DBOSWorkflowCancelledError("lz_stage")
    with pytest.raises(dbos_error.DBOSWorkflowCancelledError), stage(RUN, "pipelines"):
        raise cancelled
    steps, events = recorded(live)
    assert steps == {"pipelines": "running"}
    assert "step_failed" not in [kind for kind, _ in events]


def test_a_stage_must_say_how_it_ended_and_only_once(live: Runtime) -> None:
    with pytest.raises(RuntimeError, match="ended without saying how"), stage(RUN, "record"):
        pass
    with pytest.raises(StageFailed, match="has already ended"), stage(RUN, "notify") as current:
        current.finished("notify: sent")
        current.finished("notify: sent again")
    steps, _ = recorded(live)
    assert steps["notify"] == "succeeded", "what did happen stays recorded"


def test_a_stage_failure_survives_the_engine_storing_it() -> None:
    failure = pickle.loads(pickle.dumps(StageFailed("render", "boom")))  # noqa: S301
    assert (failure.stage, failure.message, str(failure)) == ("render", "boom", "render: boom")
