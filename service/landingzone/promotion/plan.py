"""Everything a promotion's workflow needs, derived once: names, links and the change's text.

Pure: the workflow loads a PromotionPlan in one step and composes from it what ServiceNow and
the environment repository are told.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from landingzone.integrations.changes import ChangeRequest
from landingzone.landing_zone.models import RepositoryName

SCAN_ORDER = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class PromotionPlan:
    promotion_id: str
    landing_zone_id: str
    component: str
    tenant: str
    owner: str
    environment: str
    previous_environment: str | None
    digest: str
    version: str
    build_url: str
    scan: dict[str, int]
    max_severity: str
    change_type: str  # none, standard or normal
    image: str  # the image the overlay pins, e.g. registry/tenant/component
    repository: RepositoryName  # the environment repository
    branch: str
    overlay: str  # the file committed, e.g. environments/prod/kustomization.yaml
    approval_group: str | None
    author_email: str
    landing_zone_link: str
    promotion_link: str

    @property
    def title(self) -> str:
        return f"Promote {self.component} {self.version} to {self.environment}"

    @property
    def short_digest(self) -> str:
        return f"{self.digest[:19]}…"

    @property
    def repository_name(self) -> str:
        return f"{self.repository.project}/{self.repository.slug}"

    def scan_summary(self) -> str:
        counts = ", ".join(f"{severity} {self.scan.get(severity, 0)}" for severity in SCAN_ORDER)
        return f"{counts} ({self.environment} allows findings up to {self.max_severity})"


def rollback_plan(plan: PromotionPlan, previous_digest: str | None) -> str:
    if previous_digest is None:
        return (
            f"{plan.overlay} pins no digest of {plan.image} yet: nothing ran before. To back "
            f"out, revert the promotion's commit in {plan.repository_name}."
        )
    return (
        f"Commit the previous digest {previous_digest} back into {plan.overlay} of "
        f"{plan.repository_name} (Landing Zone does so when the pipeline reports a rollback); "
        "the GitOps controller syncs it."
    )


def change_request(plan: PromotionPlan, previous_digest: str | None) -> ChangeRequest:
    """The change an approver reads: what, whose, where, how it was checked, how to back out."""
    passed = (
        f"It succeeded in {plan.previous_environment}."
        if plan.previous_environment
        else f"{plan.environment} is the first environment."
    )
    description = "\n".join(
        (
            f"Component: {plan.component} (tenant {plan.tenant})",
            f"Owner: {plan.owner}",
            f"Environment: {plan.environment}",
            f"Image: {plan.image}",
            f"Digest: {plan.digest}",
            f"Version: {plan.version}",
            f"Build: {plan.build_url}",
            f"Scan: {plan.scan_summary()}",
            f"Rollback plan: {rollback_plan(plan, previous_digest)}",
            f"Previous digest: {previous_digest or 'none'}",
            f"Landing zone: {plan.landing_zone_link}",
            f"Promotion: {plan.promotion_link}",
        )
    )
    return ChangeRequest(
        correlation_id=plan.promotion_id,
        standard=plan.change_type == "standard",
        short_description=plan.title,
        description=description,
        justification=f"Release {plan.version} of {plan.component}, built by {plan.build_url}. "
        f"{passed}",
        implementation_plan=(
            f"Landing Zone commits {plan.digest} into {plan.overlay} of {plan.repository_name} "
            f"(one commit naming this change); the GitOps controller syncs the "
            f"{plan.environment} namespace."
        ),
        backout_plan=rollback_plan(plan, previous_digest),
        test_plan="The promote pipeline verifies the deployment and reports the outcome, "
        "which closes this change.",
        assignment_group=plan.approval_group if plan.change_type == "normal" else None,
    )


def headline(plan: PromotionPlan, change_number: str | None) -> str:
    """The first line of the promotion's commit, naming the change it is made under."""
    under = f"under {change_number}" if change_number else "(no change required)"
    return (
        f"Promote {plan.component} {plan.version} ({plan.short_digest}) to {plan.environment} "
        + under
    )


def commit_message(plan: PromotionPlan, first_line: str, digest: str) -> str:
    return "\n".join(
        (
            first_line,
            "",
            f"Digest: {digest}",
            f"Build: {plan.build_url}",
            f"Promotion: {plan.promotion_link}",
        )
    )


def author_name(change_number: str | None) -> str:
    return f"Landing Zone for {change_number}" if change_number else "Landing Zone"


def event_data(plan: PromotionPlan, **more: Any) -> dict[str, Any]:
    return {
        "promotion_id": plan.promotion_id,
        "environment": plan.environment,
        "version": plan.version,
        "digest": plan.digest,
        **more,
    }
