"""Steps of a rollout: each a durable DBOS step, safe to replay.

The landing zones are chosen and placed in waves once; each one's update is recorded through
the updates package (`prepare_update`) before its workflow is started, and the member keeps the
update's id, so a replay after a crash finds the update it made and never opens another pull
request. Pull-request states are read from Bitbucket; an answer it cannot give now leaves the
last known state.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from dbos import DBOS

from landingzone.landing_zone import runtime
from landingzone.landing_zone.models import Status
from landingzone.landing_zone.tables import landing_zones, now
from landingzone.rendering.versions import version_key
from landingzone.updates.models import UpdateStatus
from landingzone.updates.pull_request_states import read_state
from landingzone.updates.rollout_models import (
    FAILURES,
    SETTLED,
    MemberState,
    RolloutRequest,
    RolloutStatus,
)
from landingzone.updates.rollout_store import Candidate, Member, RolloutStore
from landingzone.updates.service import PreparedUpdate, UpdateRefused, prepare_update
from landingzone.updates.steps import updates

BY_UPDATE_STATUS = {
    UpdateStatus.PENDING: MemberState.PENDING,
    UpdateStatus.CURRENT: MemberState.CURRENT,
    UpdateStatus.SUPERSEDED: MemberState.SUPERSEDED,
    UpdateStatus.FAILED: MemberState.FAILED,
}
BY_PULL_REQUEST_STATE = {"MERGED": MemberState.MERGED, "DECLINED": MemberState.DECLINED}


def rollouts() -> RolloutStore:
    return RolloutStore(runtime.current().store.engine)


@dataclass(frozen=True)
class Tally:
    states: dict[str, int]
    size: int

    @property
    def pending(self) -> bool:
        return bool(self.states.get(MemberState.PENDING) or self.states.get(MemberState.WAITING))

    @property
    def settled(self) -> bool:
        return sum(n for state, n in self.states.items() if state in SETTLED) == self.size

    @property
    def failure_rate(self) -> float:
        failed = sum(n for state, n in self.states.items() if state in FAILURES)
        return failed / self.size if self.size else 0.0


@DBOS.step()
def open_rollout(rollout_id: str, class_id: str, to_version: str, request: dict[str, Any]) -> None:
    rollouts().ensure(rollout_id, class_id, to_version, RolloutRequest.model_validate(request))


def candidates(class_id: str, to_version: str, selection: dict[str, list[str]]) -> list[Candidate]:
    """Completed landing zones of the class behind `to_version` that the selection names,
    oldest first."""
    query = landing_zones.select().where(
        landing_zones.c.class_id == class_id,
        landing_zones.c.status == Status.COMPLETED.value,
        landing_zones.c.template_version.is_not(None),
    )
    if selection.get("tenants"):
        query = query.where(landing_zones.c.tenant.in_(selection["tenants"]))
    if selection.get("owners"):
        query = query.where(landing_zones.c.owner.in_(selection["owners"]))
    if selection.get("versions"):
        query = query.where(landing_zones.c.template_version.in_(selection["versions"]))
    query = query.order_by(landing_zones.c.created_at, landing_zones.c.id)
    with runtime.current().store.engine.connect() as connection:
        rows = connection.execute(query).all()
    target = version_key(to_version)
    return [
        Candidate(row.id, row.tenant, row.template_version)
        for row in rows
        if version_key(row.template_version) < target
    ]


@DBOS.step()
def select_members(rollout_id: str) -> int:
    """Place the chosen landing zones in waves (once); the number of waves."""
    store = rollouts()
    rollout = store.get(rollout_id)
    assert rollout is not None
    chosen = candidates(rollout.class_id, rollout.to_version, rollout.selection)
    store.select(rollout_id, rollout.wave_size, chosen)
    placed = store.members(rollout_id)
    return max((m.wave for m in placed), default=-1) + 1


@DBOS.step()
def read_status(rollout_id: str) -> RolloutStatus:
    rollout = rollouts().get(rollout_id)
    assert rollout is not None
    return rollout.status


@DBOS.step()
def begin_wave(rollout_id: str, wave: int) -> list[str]:
    """The wave's landing zones, in order."""
    store = rollouts()
    store.set_wave(rollout_id, wave)
    return [m.landing_zone_id for m in store.members(rollout_id, wave)]


@DBOS.step()
def prepare_member(rollout_id: str, landing_zone_id: str, version: str) -> PreparedUpdate | None:
    """The member's update: the one it recorded already, or a new one; None if refused."""
    rt = runtime.current()
    store = rollouts()
    member = next(m for m in store.members(rollout_id) if m.landing_zone_id == landing_zone_id)
    if member.update_id is not None:
        update = updates().get(member.update_id)
        record = rt.store.get(landing_zone_id)
        if update is not None and record is not None:
            pending = update.status == UpdateStatus.PENDING
            return PreparedUpdate(update, record.run, created=False, needs_start=pending)
    try:
        prepared = prepare_update(rt, landing_zone_id, version)
    except UpdateRefused as refused:
        store.update_member(
            rollout_id, landing_zone_id, state=MemberState.FAILED, error=str(refused)
        )
        return None
    state = BY_UPDATE_STATUS.get(prepared.update.status, MemberState.PENDING)
    store.update_member(rollout_id, landing_zone_id, update_id=prepared.update.id, state=state)
    return prepared


def member_state(member: Member) -> tuple[MemberState, str | None, bool]:
    """What Bitbucket and the update say now: (state, error, whether Bitbucket was read)."""
    if member.update_id is None or member.state in BY_PULL_REQUEST_STATE.values():
        return member.state, member.error, False
    update = updates().get(member.update_id)
    if update is None:
        return member.state, member.error, False
    if update.status != UpdateStatus.OPENED:
        return BY_UPDATE_STATUS[update.status], update.error, False
    state = read_state(runtime.current(), update)
    if state is None:  # Bitbucket cannot tell now: keep what was known
        known = member.state if member.state != MemberState.PENDING else MemberState.OPEN
        return known, None, False
    if state in BY_PULL_REQUEST_STATE:
        return BY_PULL_REQUEST_STATE[state], None, True
    return (MemberState.CONFLICTED if update.conflicts else MemberState.OPEN), None, True


def refresh(members: list[Member]) -> list[MemberState]:
    store = rollouts()
    states = []
    for member in members:
        state, error, read = member_state(member)
        if state != member.state or error != member.error or read:
            values: dict[str, Any] = {"state": state, "error": error}
            if read:
                values["checked_at"] = now()
            store.update_member(member.rollout_id, member.landing_zone_id, **values)
        states.append(state)
    return states


@DBOS.step()
def poll_wave(rollout_id: str, wave: int) -> Tally:
    states = refresh(rollouts().members(rollout_id, wave))
    return Tally(dict(Counter(s.value for s in states)), len(states))


@DBOS.step()
def finish(rollout_id: str, status: RolloutStatus, reason: str | None) -> RolloutStatus:
    """End the rollout (a cancel written meanwhile stays); landing zones not reached are
    skipped."""
    store = rollouts()
    store.move(rollout_id, status, reason=reason)
    store.skip_waiting(rollout_id)
    final = store.get(rollout_id)
    assert final is not None
    return final.status
