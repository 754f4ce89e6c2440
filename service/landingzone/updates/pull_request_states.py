"""An update pull request's state, read from Bitbucket (the truth); a merged one moves its
landing zone's template version on, as `list_updates` does.

    read_state(runtime, update) -> "OPEN" | "MERGED" | "DECLINED" | None (Bitbucket cannot tell now)

While Bitbucket's circuit is open nothing is asked: the state is unknown until it is back.
"""

from __future__ import annotations

from landingzone.integrations.base import IntegrationError
from landingzone.landing_zone.runtime import Runtime
from landingzone.rendering.versions import version_key
from landingzone.updates.steps import pull_request_host, repository_of
from landingzone.updates.store import UpdateRecord


def read_state(runtime: Runtime, update: UpdateRecord) -> str | None:
    record = runtime.store.get(update.landing_zone_id)
    if record is None or update.pull_request_id is None:
        return None
    if runtime.breakers["bitbucket"].is_open:
        return None
    project, slug, _ = repository_of(record)
    try:
        repository = runtime.repositories.find_repository(project, slug)
        if repository is None:
            return None
        state = pull_request_host().get_pull_request(repository, update.pull_request_id).state
    except IntegrationError:
        return None
    if state == "MERGED":
        version = record.template_version or "0.0.0"
        if version_key(update.to_version) > version_key(version):
            runtime.store.update(record.id, template_version=update.to_version)
    return state
