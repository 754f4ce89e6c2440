"""Standard changes that cover a rollout's waves, for tenants whose platform configuration says
`rollout_change: standard`: one per wave and tenant, opened (pre-approved) and moved to
Implement before the wave's updates start, moved to Review and closed with the wave's outcome
after it.

Each call is one DBOS step that reports a transient fault instead of raising it; the workflow
waits it out with the same backoff as provisioning. The change's correlation id names the
rollout, the wave and the tenant, so a replay finds the change it opened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from dbos import DBOS

from landingzone.integrations.base import PermanentError, TransientError
from landingzone.integrations.changes import ChangeDesk, ChangeRequest, ChangeState, CloseCode
from landingzone.landing_zone import runtime
from landingzone.landing_zone.resilience import RetryPolicy
from landingzone.updates.rollout_models import FAILURES, MemberState
from landingzone.updates.rollout_steps import rollouts

T = TypeVar("T")
CLEAN = frozenset({MemberState.MERGED, MemberState.DECLINED, MemberState.CURRENT})


@dataclass(frozen=True)
class DeskAnswer:
    done: bool
    transient: str | None = None  # a transient fault: try again later
    refused: str | None = None  # a permanent one: the wave cannot be covered


@DBOS.step()
def covered_tenants(rollout_id: str, wave: int) -> list[str]:
    platform = runtime.current().configuration.platform
    tenants = sorted({m.tenant for m in rollouts().members(rollout_id, wave)})
    return [
        t
        for t in tenants
        if t in platform.tenants and platform.tenants[t].rollout_change == "standard"
    ]


def _desk() -> ChangeDesk:
    desk = runtime.current().changes
    if desk is None:
        raise PermanentError("servicenow", "no change desk is configured")
    return desk


def _answer(call: Callable[[], None]) -> DeskAnswer:
    try:
        call()
    except TransientError as error:
        return DeskAnswer(False, transient=str(error))
    except PermanentError as error:
        return DeskAnswer(False, refused=str(error))
    return DeskAnswer(True)


@DBOS.step()
def open_change(rollout_id: str, wave: int, tenant: str) -> DeskAnswer:
    def call() -> None:
        rollout = rollouts().get(rollout_id)
        assert rollout is not None
        zones = [
            m.landing_zone_id for m in rollouts().members(rollout_id, wave) if m.tenant == tenant
        ]
        what = f"the {rollout.class_id} template {rollout.to_version}"
        request = ChangeRequest(
            correlation_id=f"{rollout_id}:wave-{wave + 1}:{tenant}",
            standard=True,
            short_description=f"Roll {what} out: wave {wave + 1}, tenant {tenant}",
            description=f"Landing Zone rollout {rollout_id} opens an update pull request in "
            f"each of these landing zones' repositories: {', '.join(zones)}.",
            justification=f"Keep the landing zones on the certified {rollout.class_id} template.",
            implementation_plan="One pull request per repository; the teams review and merge.",
            backout_plan="Decline the pull requests: nothing reaches a default branch unmerged.",
            test_plan="Each pull request's build runs; conflicts fail it.",
        )
        desk = _desk()
        change = desk.ensure_change(request)
        rollouts().note_change(
            rollout_id, wave, tenant,
            {"sys_id": change.sys_id, "number": change.number, "url": change.url},
        )  # fmt: skip
        desk.move_change(change.sys_id, ChangeState.SCHEDULED)
        desk.move_change(change.sys_id, ChangeState.IMPLEMENT)

    return _answer(call)


def outcome(states: list[MemberState]) -> CloseCode:
    """`successful` when every pull request was merged or declined (or nothing was needed);
    `unsuccessful` when every one failed; otherwise `successful_issues`."""
    if all(s in CLEAN for s in states):
        return "successful"
    if all(s in FAILURES for s in states):
        return "unsuccessful"
    return "successful_issues"


@DBOS.step()
def close_change(rollout_id: str, wave: int, tenant: str, note: str) -> DeskAnswer:
    def call() -> None:
        rollout = rollouts().get(rollout_id)
        assert rollout is not None
        noted = rollout.changes.get(str(wave + 1), {}).get(tenant)
        if not noted:
            return
        states = [m.state for m in rollouts().members(rollout_id, wave) if m.tenant == tenant]
        code = outcome(states)
        counts = ", ".join(f"{states.count(s)} {s.value}" for s in dict.fromkeys(states))
        desk = _desk()
        desk.move_change(noted["sys_id"], ChangeState.REVIEW)
        desk.close_change(noted["sys_id"], code, f"{note}: {counts}.")
        rollouts().note_change(rollout_id, wave, tenant, {"close_code": code})

    answer = _answer(call)
    if answer.refused is not None:  # the change stays open: say why, for the change manager
        rollouts().note_change(rollout_id, wave, tenant, {"error": answer.refused})
    return answer


@DBOS.step()
def cancel_change(rollout_id: str, wave: int, tenant: str, note: str) -> DeskAnswer:
    def call() -> None:
        rollout = rollouts().get(rollout_id)
        assert rollout is not None
        noted = rollout.changes.get(str(wave + 1), {}).get(tenant)
        if noted:
            _desk().cancel_change(noted["sys_id"], note)
            rollouts().note_change(rollout_id, wave, tenant, {"close_code": "canceled"})

    return _answer(call)


def with_backoff(
    rollout_id: str, attempt: Callable[[], DeskAnswer], wait: Callable[[float], None]
) -> str | None:
    """Call until done; None, or the reason it was refused (or gave up after the window)."""
    policy = RetryPolicy.from_settings(runtime.current().configuration.settings)
    faults = 0
    waited = 0.0
    while True:
        answer = attempt()
        if answer.done:
            return None
        if answer.refused is not None:
            return answer.refused
        faults += 1
        delay = policy.delay(faults, f"{rollout_id}:change")
        if waited + delay > policy.window_s:
            return f"{answer.transient} (still failing after {faults} attempts)"
        wait(delay)
        waited += delay
