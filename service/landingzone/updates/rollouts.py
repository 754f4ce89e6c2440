"""Starting, steering and reading rollouts, for the API.

    start_rollout(runtime, class_id, request) -> RolloutView
    rollout_view(runtime, rollout_id) -> RolloutView
    list_rollouts(runtime, limit) -> list[RolloutSummary]
    steer(runtime, rollout_id, action) -> RolloutView          action: pause | resume | cancel
Errors: UpdateRefused(status, field, message), as the updates API raises them.

A cancel starts nothing more and leaves every pull request already opened as it is: each is a
reviewable change the team may have worked on; a later update or rollout supersedes it.
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Literal

from dbos import DBOS, SetWorkflowID

from landingzone.landing_zone.runtime import Runtime
from landingzone.rendering.classes import TemplateError
from landingzone.rendering.versions import UnknownVersion, read_version, template_at
from landingzone.updates import rollout_steps
from landingzone.updates.rollout_models import (
    ACTIVE_ROLLOUT,
    FAILURES,
    MemberState,
    MemberView,
    RolloutRequest,
    RolloutStatus,
    RolloutSummary,
    RolloutView,
    Selection,
    WaveChange,
    WaveView,
)
from landingzone.updates.rollout_store import Member, RolloutRecord
from landingzone.updates.rollout_workflows import CONTROL_TOPIC, rollout_workflow
from landingzone.updates.service import UpdateRefused
from landingzone.updates.steps import updates

Action = Literal["pause", "resume", "cancel"]
MOVES: dict[str, tuple[RolloutStatus, tuple[RolloutStatus, ...]]] = {
    "pause": (RolloutStatus.PAUSED, (RolloutStatus.RUNNING,)),
    "resume": (RolloutStatus.RUNNING, (RolloutStatus.PAUSED,)),
    "cancel": (RolloutStatus.CANCELLED, ACTIVE_ROLLOUT),
}
OPEN_STATES = (MemberState.OPEN, MemberState.CONFLICTED)


def latest_version(runtime: Runtime, class_id: str) -> str:
    """The version the class's template is at now (its VERSION file, read afresh)."""
    template = runtime.classes[class_id]
    try:
        return read_version(template.template_dir)
    except TemplateError:
        return template.version


def start_rollout(runtime: Runtime, class_id: str, request: RolloutRequest) -> RolloutView:
    if class_id not in runtime.classes:
        raise UpdateRefused(404, ("path", "class"), "no class with this id")
    target = request.version or latest_version(runtime, class_id)
    try:
        template_at(runtime.configuration.settings.templates_dir, class_id, target)
    except UnknownVersion as error:
        raise UpdateRefused(422, ("body", "version"), error.errors[0][1]) from None
    rollout_id = "rol_" + secrets.token_hex(10)
    # The workflow first, then the record it also ensures: no record is left without a workflow.
    with SetWorkflowID(rollout_id):
        DBOS.start_workflow(rollout_workflow, rollout_id, class_id, target, request.model_dump())
    rollout_steps.rollouts().ensure(rollout_id, class_id, target, request)
    return rollout_view(runtime, rollout_id)


def _rollout(rollout_id: str) -> RolloutRecord:
    found = rollout_steps.rollouts().get(rollout_id)
    if found is None:
        raise UpdateRefused(404, ("path", "id"), "no rollout with this id")
    return found


def steer(runtime: Runtime, rollout_id: str, action: Action) -> RolloutView:
    rollout = _rollout(rollout_id)
    to, when = MOVES[action]
    if not rollout_steps.rollouts().move(rollout_id, to, when):
        message = f"cannot {action} a rollout that is {rollout.status.value}"
        raise UpdateRefused(409, ("path", "id"), message)
    DBOS.send(rollout_id, action, CONTROL_TOPIC)
    return rollout_view(runtime, rollout_id)


def rollout_view(runtime: Runtime, rollout_id: str) -> RolloutView:
    """The rollout per wave and landing zone. Once it no longer polls its pull requests itself,
    the open ones are read again from Bitbucket (at most `drift_refresh_limit`)."""
    rollout = _rollout(rollout_id)
    members = rollout_steps.rollouts().members(rollout_id)
    if rollout.status not in ACTIVE_ROLLOUT:
        limit = runtime.configuration.settings.drift_refresh_limit
        stale = sorted(
            (m for m in members if m.state in OPEN_STATES),
            key=lambda m: m.checked_at.timestamp() if m.checked_at else 0.0,
        )[:limit]
        if stale:
            rollout_steps.refresh(stale)
            rollout = _rollout(rollout_id)  # read together with the members, after the refresh
            members = rollout_steps.rollouts().members(rollout_id)
    waves: dict[int, list[Member]] = {}
    for member in members:
        waves.setdefault(member.wave, []).append(member)
    return RolloutView(
        id=rollout.id,
        class_id=rollout.class_id,
        to_version=rollout.to_version,
        selection=Selection.model_validate(rollout.selection),
        wave_size=rollout.wave_size,
        max_failure_rate=rollout.max_failure_rate,
        wave_timeout_hours=rollout.wave_timeout_hours,
        status=rollout.status,
        reason=rollout.reason,
        current_wave=_shown(rollout.current_wave),
        total=len(members),
        states=_count(members),
        waves=[
            _wave(number, group, rollout.changes.get(str(number + 1), {}))
            for number, group in sorted(waves.items())
        ],
        created_at=rollout.created_at,
        updated_at=rollout.updated_at,
    )


def _shown(wave: int | None) -> int | None:
    """Waves are numbered from 1 where people read them."""
    return None if wave is None else wave + 1


def _count(members: list[Member]) -> dict[str, int]:
    return dict(Counter(m.state.value for m in members))


def _wave(number: int, members: list[Member], changes: dict[str, dict[str, str]]) -> WaveView:
    failed = sum(1 for m in members if m.state in FAILURES)
    return WaveView(
        number=number + 1,
        states=_count(members),
        failure_rate=failed / len(members),
        changes=[
            WaveChange(
                tenant=tenant,
                number=change.get("number", ""),
                url=change.get("url", ""),
                close_code=change.get("close_code"),
                error=change.get("error"),
            )
            for tenant, change in sorted(changes.items())
        ],
        members=[_member(m) for m in members],
    )


def _member(member: Member) -> MemberView:
    update = updates().get(member.update_id) if member.update_id else None
    return MemberView(
        landing_zone_id=member.landing_zone_id,
        tenant=member.tenant,
        from_version=member.from_version,
        state=member.state,
        update_id=member.update_id,
        pull_request_url=update.pull_request_url if update else None,
        error=member.error,
        checked_at=member.checked_at,
    )


def list_rollouts(runtime: Runtime, limit: int) -> list[RolloutSummary]:
    return [
        RolloutSummary(
            id=r.id,
            class_id=r.class_id,
            to_version=r.to_version,
            status=r.status,
            current_wave=_shown(r.current_wave),
            created_at=r.created_at,
        )
        for r in rollout_steps.rollouts().newest(limit)
    ]
