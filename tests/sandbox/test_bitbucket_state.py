"""The Bitbucket simulator's records: what a change made is there after a restart, a change
that fails leaves nothing behind, and an older data dir (one JSON document) is read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from landingzone_sandbox.bitbucket.state import (
    ProjectRecord,
    PullRequestRecord,
    RepositoryRecord,
    State,
    StateStore,
    WebhookRecord,
)


def repository(state: State, slug: str) -> RepositoryRecord:
    record = RepositoryRecord(state.next_id("repository"), "LABS", slug, slug, "h" * 20)
    state.repositories.append(record)
    return record


def snapshot(store: StateStore) -> dict[str, object]:
    with store.read() as state:
        return {
            "repositories": [(r.id, r.slug, dict(r.group_permissions)) for r in state.repositories],
            "webhooks": [(h.id, h.url, list(h.events)) for h in state.webhooks],
            "activities": [list(p.activities) for p in state.pull_requests],
            "last_ids": dict(state.last_ids),
        }


def test_what_changes_made_is_read_back_after_a_restart(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")
    with store.change() as state:
        state.projects.append(ProjectRecord(state.next_id("project"), "LABS", "Labs"))
        first, second = repository(state, "one"), repository(state, "two")
        state.webhooks.append(WebhookRecord(1, first.id, "jenkins", "http://a", ["x"], True, 1, 1))
        state.pull_requests.append(
            PullRequestRecord(1, second.id, 0, "t", "", "OPEN", "a", "b", "me", 1, 1)
        )
    with store.change() as state:
        state.repositories[0].group_permissions["payments"] = "REPO_WRITE"
        state.webhooks[0].events.append("y")
        state.webhooks[0].url = "http://b"
        state.pull_requests[0].activities.append({"action": "OPENED"})
    with store.change() as state:
        repository(state, "three")
        state.repositories = [r for r in state.repositories if r.slug != "two"]
    before = snapshot(store)
    store.close()

    again = StateStore(tmp_path / "state.json")

    assert snapshot(again) == before
    assert before["repositories"] == [
        (1, "one", {"payments": "REPO_WRITE"}),
        (3, "three", {}),
    ]
    assert before["webhooks"] == [(1, "http://b", ["x", "y"])]
    assert before["last_ids"] == {"project": 1, "repository": 3}
    again.close()


def test_a_change_that_fails_is_undone_in_memory_and_on_disk(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")
    with store.change() as state:
        repository(state, "kept").group_permissions["payments"] = "REPO_READ"
    before = snapshot(store)

    with pytest.raises(RuntimeError), store.change() as state:
        state.repositories[0].group_permissions["payments"] = "REPO_ADMIN"
        state.repositories[0].description = "changed"
        repository(state, "half-made")
        state.repositories = [r for r in state.repositories if r.slug == "half-made"]
        raise RuntimeError("refused half way")

    assert snapshot(store) == before
    with store.read() as state:
        assert state.repositories[0].description == ""
    store.close()
    assert snapshot(StateStore(tmp_path / "state.json")) == before


def test_an_older_data_dir_is_read_from_its_json_document(tmp_path: Path) -> None:
    document = {
        "projects": [{"id": 1, "key": "LABS", "name": "Labs", "description": ""}],
        "repositories": [
            {"id": 4, "project_key": "LABS", "slug": "old", "name": "old", "hierarchy_id": "h"}
        ],
        "last_ids": {"project": 1, "repository": 4},
    }
    (tmp_path / "state.json").write_text(json.dumps(document))

    store = StateStore(tmp_path / "state.json")
    with store.change() as state:
        repository(state, "new")

    store.close()

    reopened = StateStore(tmp_path / "state.json")
    assert snapshot(reopened)["repositories"] == [(4, "old", {}), (5, "new", {})]
    reopened.close()
