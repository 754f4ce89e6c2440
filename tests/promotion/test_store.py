"""Promotion records and credentials on SQLite and PostgreSQL: one promotion per landing zone,
digest and environment; outcomes recorded once; only a credential's hash is kept."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from landingzone.landing_zone.store import Store
from landingzone.landing_zone.tables import engine_for, promotion_credentials
from landingzone.promotion.models import Status
from landingzone.promotion.store import NewPromotion, token_hash
from tests.support.sandbox import fresh_postgres_database

DIGEST = "sha256:" + "cd" * 32


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


def promotion(promotion_id: str, environment: str = "dev", digest: str = DIGEST) -> NewPromotion:
    return NewPromotion(
        id=promotion_id,
        landing_zone_id="lz_1",
        environment=environment,
        digest=digest,
        version="1.4.2",
        build_url="https://jenkins.example.internal/job/a/1/",
        scan={"critical": 0, "high": 0, "medium": 1, "low": 2},
        change_type="none",
    )


def test_asking_twice_for_one_digest_and_environment_returns_the_first(store: Store) -> None:
    first, created = store.promotions.insert(promotion("prm_1"))
    again, created_again = store.promotions.insert(promotion("prm_2"))
    assert created and not created_again
    assert again.id == first.id == "prm_1"
    assert first.status is Status.REQUESTED and first.scan["low"] == 2
    other, created_other = store.promotions.insert(promotion("prm_3", environment="test"))
    assert created_other and other.id == "prm_3"


def test_concurrent_asks_store_one_promotion(store: Store) -> None:
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda n: store.promotions.insert(promotion(f"prm_{n}")), range(4)))
    assert len({record.id for record, _ in results}) == 1
    assert sum(created for _, created in results) == 1


def test_a_landing_zones_promotions_are_listed_newest_first(store: Store) -> None:
    for n, environment in enumerate(("dev", "test", "prod")):
        store.promotions.insert(promotion(f"prm_{n}", environment))
    assert [p.environment for p in store.promotions.of("lz_1")] == ["prod", "test", "dev"]
    assert store.promotions.of("lz_other") == []


def test_updates_set_the_status_and_details_and_only_known_details(store: Store) -> None:
    store.promotions.insert(promotion("prm_1"))
    store.promotions.update(
        "prm_1", Status.DEPLOYED, commit_id="abc", previous_digest="sha256:" + "0" * 64
    )
    record = store.promotions.get("prm_1")
    assert record is not None and record.status is Status.DEPLOYED
    assert (record.commit_id, record.previous_digest) == ("abc", "sha256:" + "0" * 64)
    assert [p.id for p in store.promotions.unfinished()] == ["prm_1"]
    with pytest.raises(ValueError, match="not a promotion detail: digest"):
        store.promotions.update("prm_1", digest="sha256:" + "1" * 64)
    store.promotions.update("prm_1", Status.SUCCEEDED)
    assert store.promotions.unfinished() == []


def test_an_outcome_is_recorded_once_and_only_on_a_deployed_promotion(store: Store) -> None:
    store.promotions.insert(promotion("prm_1"))
    assert not store.promotions.report_outcome("prm_1", {"result": "success"})
    store.promotions.update("prm_1", Status.DEPLOYED)
    assert store.promotions.report_outcome("prm_1", {"result": "success", "notes": "ok"})
    assert not store.promotions.report_outcome("prm_1", {"result": "failure"})
    record = store.promotions.get("prm_1")
    assert record is not None and record.outcome == {"result": "success", "notes": "ok"}


def test_only_the_hash_of_a_credential_is_kept_and_a_new_one_replaces_it(store: Store) -> None:
    store.credentials.replace("lz_1", token_hash("first-token"))
    store.credentials.replace("lz_2", token_hash("other-token"))
    assert store.credentials.matches("lz_1", "first-token")
    assert not store.credentials.matches("lz_1", "other-token")
    assert store.credentials.holder("other-token") == "lz_2"
    store.credentials.replace("lz_1", token_hash("second-token"))
    assert not store.credentials.matches("lz_1", "first-token")
    assert store.credentials.matches("lz_1", "second-token")
    assert store.credentials.holder("first-token") is None
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(promotion_credentials)).all()
    assert "second-token" not in repr(rows)
    assert {row.token_sha256 for row in rows} == {
        token_hash("second-token"),
        token_hash("other-token"),
    }


def test_a_page_reads_each_landing_zones_newest_promotions_together(store: Store) -> None:
    for n, environment in enumerate(("dev", "test", "prod")):
        store.promotions.insert(promotion(f"prm_{n}", environment))
    store.promotions.insert(replace(promotion("prm_other"), landing_zone_id="lz_2"))
    found = store.promotions.of_each(["lz_1", "lz_2", "lz_none"], limit=2)
    assert [p.environment for p in found["lz_1"]] == ["prod", "test"]
    assert [p.id for p in found["lz_2"]] == ["prm_other"]
    assert found["lz_2"][0].scan["low"] == 2  # the record whole, not just its key
    assert "lz_none" not in found
