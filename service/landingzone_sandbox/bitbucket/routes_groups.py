"""Group names: `GET /rest/api/1.0/groups`, as Bitbucket Server answers it.

Any licensed (authenticated) user may read it. `filter` keeps the names that contain it,
ignoring case; the answer is the usual page, of plain names.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .context import SimulatorDep, UserDep
from .errors import BitbucketJSONResponse
from .shapes import page, paging_window

router = APIRouter(prefix="/rest/api/1.0", default_response_class=BitbucketJSONResponse)


@router.get("/groups")
def group_names(
    sim: SimulatorDep,
    _: UserDep,
    filter: str | None = None,
    start: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    first, size = paging_window(start, limit)
    wanted = (filter or "").casefold()
    names = [name for name in sim.directory.group_names if wanted in name.casefold()]
    return page(names, first, size)
