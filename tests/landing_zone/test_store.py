from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from landingzone.landing_zone.models import STAGES, Status, StepStatus
from landingzone.landing_zone.store import DuplicateKey, NameTaken, Store
from landingzone.landing_zone.tables import engine_for
from tests.support.sandbox import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    url = (
        fresh_postgres_database()
        if request.param == "postgresql"
        else f"sqlite:///{tmp_path / 'lz.sqlite'}"
    )
    store = Store(engine_for(url))
    store.create_schema()
    return store


def _request(name: str) -> dict[str, object]:
    return {
        "name": name,
        "class": "java",
        "tenant": "labs",
        "owner": "group:default/payments",
        "description": "d",
        "requester": {"name": "J", "email": "j@example.com"},
    }


def test_an_idempotency_key_names_one_landing_zone(store: Store) -> None:
    store.insert("lz_1", _request("a"), "hash-a", "key-1")
    with pytest.raises(DuplicateKey) as same:
        store.insert("lz_2", _request("a"), "hash-a", "key-1")
    assert same.value.existing.id == "lz_1" and same.value.same_request
    with pytest.raises(DuplicateKey) as other:
        store.insert("lz_3", _request("b"), "hash-b", "key-1")
    assert not other.value.same_request


def test_replayed_events_are_recorded_once_and_in_order(store: Store) -> None:
    store.insert("lz_1", _request("a"), "h", None)
    for key in ("0:plan:started", "0:plan:finished", "0:plan:started", "0:repository:started"):
        store.events.append("lz_1", key, step=key.split(":")[1], kind="k", message=key)
    events = store.events.after("lz_1", 0)
    assert [e.message for e in events] == [
        "0:plan:started",
        "0:plan:finished",
        "0:repository:started",
    ]
    assert [e.seq for e in events] == [1, 2, 3]
    assert [e.seq for e in store.events.after("lz_1", 2)] == [3]


def test_pages_follow_the_cursor_without_overlap(store: Store) -> None:
    for index in range(5):
        store.insert(f"lz_{index}", _request(f"n{index}"), "h", None)
    seen: list[str] = []
    cursor = None
    while True:
        page, cursor = store.page(
            owner=None, tenant="labs", status=Status.PROVISIONING, limit=2, cursor=cursor
        )
        seen += [record.id for record in page]
        if cursor is None:
            break
    assert sorted(seen) == [f"lz_{i}" for i in range(5)]
    assert len(seen) == len(set(seen))


def test_links_merge_and_drop(store: Store) -> None:
    store.insert("lz_1", _request("a"), "h", None)
    store.merge("lz_1", "links", {"repository": "http://r", "clone": "http://c"})
    store.merge("lz_1", "links", {"clone": None})
    record = store.get("lz_1")
    assert record is not None and record.links == {"repository": "http://r"}


def test_concurrent_writers_lose_no_resource(store: Store) -> None:
    store.insert("lz_1", _request("a"), "h", None)
    items = [f"LABS/repo-{i}" for i in range(12)]
    with ThreadPoolExecutor(6) as pool:
        list(
            pool.map(
                lambda item: store.add_to_list("lz_1", "resources", "repositories", item), items
            )
        )
    record = store.get("lz_1")
    assert record is not None and sorted(record.resources["repositories"]) == sorted(items)


def test_one_landing_zone_holds_a_tenant_and_name_until_it_is_rejected_or_cancelled(
    store: Store,
) -> None:
    store.insert("lz_1", _request("shared"), "h1", None)
    with pytest.raises(NameTaken):
        store.insert("lz_2", _request("shared"), "h2", None)

    store.set_status("lz_1", Status.FAILED, error=("pipelines", "boom"))
    with pytest.raises(NameTaken):
        store.insert("lz_3", _request("shared"), "h3", None)  # a failed one can be retried

    store.set_status("lz_1", Status.CANCELLED)
    store.insert("lz_4", _request("shared"), "h4", None)
    assert store.active_with_name("labs", "shared").id == "lz_4"  # type: ignore[union-attr]


def test_concurrent_inserts_of_one_name_admit_exactly_one(store: Store) -> None:
    def attempt(index: int) -> str:
        try:
            store.insert(f"lz_{index}", _request("race"), f"h{index}", None)
            return "accepted"
        except NameTaken:
            return "refused"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, range(12)))
    assert outcomes.count("accepted") == 1
    assert outcomes.count("refused") == 11


def test_a_page_reads_each_landing_zones_own_steps(store: Store) -> None:
    store.insert("lz_1", _request("a"), "hash-a", None)
    store.insert("lz_2", _request("b"), "hash-b", None)
    store.steps.started("lz_1", "plan")
    store.steps.finished("lz_1", "plan", StepStatus.SUCCEEDED)
    store.steps.started("lz_2", "plan")
    found = store.steps.of_each(["lz_1", "lz_2", "lz_unknown"])
    assert [step.name for step in found["lz_1"]] == list(STAGES)
    assert found["lz_1"][0].status is StepStatus.SUCCEEDED
    assert found["lz_2"][0].status is StepStatus.RUNNING
    assert found["lz_1"][1:] == found["lz_2"][1:]  # the rest are pending in both
    assert "lz_unknown" not in found and store.steps.of("lz_unknown") == []
