"""Where a queued build went: Jenkins' queue item, then the job's builds once the item is gone.

A queue item says `executable` (the build) once it left the queue, or `cancelled`. Jenkins
forgets left items after a few minutes; a build still names the queue item it came from
(`queueId`), so a late look-up searches the job's recent builds.
"""

from __future__ import annotations

from typing import Any

from landingzone.integrations.base import PermanentError
from landingzone.integrations.pipelines import QueuedBuild

from .errors import SYSTEM

RECENT_BUILDS = "api/json?depth=1&tree=builds[number,url,queueId]{0,100}"


def queue_item_path(queue_id: int) -> str:
    return f"queue/item/{int(queue_id)}/api/json?depth=0"


def from_queue_item(queued: QueuedBuild, item: dict[str, Any]) -> str | None:
    """The build URL once the item left the queue; None while it waits."""
    if item.get("cancelled"):
        raise PermanentError(SYSTEM, f"the queued build of {queued.job} was cancelled")
    executable = item.get("executable")
    if isinstance(executable, dict) and executable.get("url"):
        return str(executable["url"])
    return None


def from_builds(queued: QueuedBuild, job: dict[str, Any] | None) -> str:
    """The build that came from the forgotten queue item."""
    if job is None:
        raise PermanentError(SYSTEM, f"{queued.job} no longer exists")
    for build in job.get("builds") or []:
        if isinstance(build, dict) and build.get("queueId") == queued.queue_id and build.get("url"):
            return str(build["url"])
    raise PermanentError(
        SYSTEM, f"queue item {queued.queue_id} of {queued.job} is gone and left no build"
    )
