"""Deploying by GitOps: a promotion's digest pinned in the environment's overlay, one commit.

The rollback (outcome.py) pins the previous digest back the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from landingzone.audit.models import Outcome
from landingzone.integrations.base import FileChange, Repository
from landingzone.integrations.changes import ChangeRecord
from landingzone.promotion import steps
from landingzone.promotion.decisions import decision_entry
from landingzone.promotion.models import Status
from landingzone.promotion.plan import (
    PromotionPlan,
    author_name,
    commit_message,
    event_data,
    headline,
)
from landingzone.promotion.steps import STAGE, PromotionRun
from landingzone.rendering.overlays import current_digest, pin_digest


@dataclass(frozen=True)
class Deployed:
    previous_digest: str | None
    commit_id: str


def decider(change: ChangeRecord) -> str | None:
    """Who decided the change, as one line; None when nobody is named."""
    return ", ".join(change.decided_by) or None


def commit_digest(
    run: PromotionRun,
    plan: PromotionPlan,
    repository: Repository,
    digest: str,
    first_line: str,
    change: ChangeRecord | None,
) -> tuple[str | None, str, str]:
    """Pin `digest` in the overlay in one commit: (the digest it replaced, head, its link)."""
    text = steps.read_overlay(run, STAGE, repository, plan)
    replaced = current_digest(text, plan.image)
    head, url = steps.commit_overlay(
        run,
        STAGE,
        repository,
        FileChange(
            branch=plan.branch,
            path=plan.overlay,
            content=pin_digest(text, plan.image, digest),
            message=commit_message(plan, first_line, digest),
            author_name=author_name(change.number if change else None),
            author_email=plan.author_email,
        ),
    )
    return replaced, head, url


def deploy(
    run: PromotionRun, plan: PromotionPlan, repository: Repository, change: ChangeRecord | None
) -> Deployed:
    number = change.number if change else None
    steps.record_promotion(
        run,
        "deploying",
        Status.DEPLOYING,
        f"{plan.title}: {f'{number} approved; ' if number else ''}committing the digest",
        event_data(plan, change_number=number, decided_by=decider(change) if change else None),
        decided_by=decider(change) if change else None,
        audit_entry=decision_entry(plan, change, Outcome.APPROVED),
    )
    previous, head, url = commit_digest(
        run, plan, repository, plan.digest, headline(plan, number), change
    )
    if change is not None:
        steps.change_note(
            run,
            STAGE,
            change.sys_id,
            f"Deployed: {plan.digest} committed to {plan.overlay} of {plan.repository_name} "
            f"({head[:12]}, {url}). Previous digest: {previous or 'none'}.",
        )
    steps.record_promotion(
        run,
        "deployed",
        Status.DEPLOYED,
        f"{plan.title}: {plan.short_digest} committed to {plan.repository_name} ({head[:12]})",
        event_data(plan, change_number=number, commit=head),
        previous_digest=previous,
        commit_id=head,
        commit_url=url,
    )
    return Deployed(previous, head)
