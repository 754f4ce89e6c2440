"""The drift report: which landing zones are behind their class's latest template version, per
class and tenant.

A landing zone's version moves on when its update pull request is seen merged. So that the
report is fresh without a background job, each report first reads back from Bitbucket the
open update pull requests of landing zones still behind, at most `drift_refresh_limit` of them,
those read longest ago first (reading one marks it read), and says how many it left for later.
Running rollouts read their own waves' pull requests as they wait, too.
"""

from __future__ import annotations

import sqlalchemy as sa

from landingzone.landing_zone.models import Status
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.tables import landing_zones, template_updates
from landingzone.rendering.versions import is_version, version_key
from landingzone.updates.models import UpdateStatus
from landingzone.updates.pull_request_states import read_state
from landingzone.updates.rollout_models import DriftGroup, DriftReport
from landingzone.updates.rollouts import latest_version
from landingzone.updates.steps import updates
from landingzone.updates.store import UpdateRecord


def _open_updates_behind(runtime: Runtime) -> list[UpdateRecord]:
    """Opened updates whose landing zone is still below their version, read longest ago first."""
    query = (
        sa.select(template_updates, landing_zones.c.template_version.label("at"))
        .join(landing_zones, landing_zones.c.id == template_updates.c.landing_zone_id)
        .where(
            template_updates.c.status == UpdateStatus.OPENED.value,
            template_updates.c.pull_request_id.is_not(None),
        )
        .order_by(template_updates.c.updated_at, template_updates.c.id)
    )
    with runtime.store.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        UpdateRecord.from_row(row)
        for row in rows
        if row.at and is_version(row.at) and version_key(row.to_version) > version_key(row.at)
    ]


def refresh(runtime: Runtime) -> tuple[int, int]:
    """Read (bounded) open update pull requests; (read, left for a later report)."""
    behind = _open_updates_behind(runtime)
    limit = runtime.configuration.settings.drift_refresh_limit
    store = updates()
    for update in behind[:limit]:
        read_state(runtime, update)
        store.update(update.id)  # marks it read now: the next report starts with others
    return min(limit, len(behind)), max(0, len(behind) - limit)


def drift_report(runtime: Runtime, class_id: str | None, tenant: str | None) -> DriftReport:
    refreshed, left = refresh(runtime)
    query = sa.select(
        landing_zones.c.id,
        landing_zones.c.class_id,
        landing_zones.c.tenant,
        landing_zones.c.template_version,
    ).where(
        landing_zones.c.status == Status.COMPLETED.value,
        landing_zones.c.template_version.is_not(None),
    )
    if class_id:
        query = query.where(landing_zones.c.class_id == class_id)
    if tenant:
        query = query.where(landing_zones.c.tenant == tenant)
    with runtime.store.engine.connect() as connection:
        rows = connection.execute(query.order_by(landing_zones.c.created_at)).all()
    latest: dict[str, str] = {}
    groups: dict[tuple[str, str], DriftGroup] = {}
    for row in rows:
        if row.class_id not in runtime.classes or not is_version(row.template_version):
            continue
        newest = latest.setdefault(row.class_id, latest_version(runtime, row.class_id))
        group = groups.setdefault(
            (row.class_id, row.tenant),
            DriftGroup(
                class_id=row.class_id, tenant=row.tenant, latest=newest, current=0, behind={}
            ),
        )
        if version_key(row.template_version) >= version_key(newest):
            group.current += 1
        else:
            group.behind.setdefault(row.template_version, []).append(row.id)
    ordered = [groups[key] for key in sorted(groups)]
    return DriftReport(
        groups=ordered,
        behind=sum(len(ids) for g in ordered for ids in g.behind.values()),
        current=sum(g.current for g in ordered),
        refreshed=refreshed,
        left_for_later=left,
    )
