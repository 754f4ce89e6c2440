"""The Table API of the ServiceNow sandbox, driven only through pysnow as integrators use it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pysnow
import pytest
import requests
from pysnow.exceptions import MultipleResults, NoResults

from landingzone_sandbox.servicenow import ServiceNowSimSettings, create_app
from landingzone_sandbox.serving import free_port, serving

USER, PASSWORD = "integration", "s3cret-pw"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def _settings(data_dir: Path, port: int) -> ServiceNowSimSettings:
    return ServiceNowSimSettings(
        data_dir=data_dir, base_url=f"http://127.0.0.1:{port}", users={USER: PASSWORD}
    )


def _client(port: int, password: str = PASSWORD) -> pysnow.Client:
    return pysnow.Client(host=f"127.0.0.1:{port}", user=USER, password=password, use_ssl=False)


@pytest.fixture
def port(tmp_path: Path) -> Iterator[int]:
    chosen = free_port()
    with serving(create_app(_settings(tmp_path, chosen)), port=chosen):
        yield chosen


@pytest.fixture
def snow(port: int) -> pysnow.Client:
    return _client(port)


def _items(snow: pysnow.Client) -> pysnow.Resource:
    return snow.resource(api_path="/table/sc_req_item")


def test_create_returns_the_full_record_with_servicenow_shapes(snow: pysnow.Client) -> None:
    first = _items(snow).create(payload={"short_description": "Payments API", "priority": 2}).one()
    second = _items(snow).create(payload={"short_description": "Card ledger"}).one()

    assert first["number"] == "RITM0010001" and second["number"] == "RITM0010002"
    assert re.fullmatch(r"[0-9a-f]{32}", first["sys_id"])
    assert first["priority"] == "2" and first["short_description"] == "Payments API"
    assert TIMESTAMP.match(first["sys_created_on"]) and TIMESTAMP.match(first["sys_updated_on"])
    assert first["sys_created_by"] == USER
    assert all(isinstance(v, str | dict) for v in first.values())
    # A bare Table API insert gets no parent request: only ordering through the catalog makes one.
    assert (first["request"], first["cat_item"]) == ("", "")
    assert snow.resource(api_path="/table/sc_request").get(query={}).all() == []


def test_get_filters_fields_and_applies_display_values(snow: pysnow.Client, port: int) -> None:
    created = _items(snow).create(payload={"short_description": "Payments API"}).one()
    query = {"number": created["number"]}

    trimmed = _items(snow).get(query=query, fields=["number", "state", "opened_by"]).one()
    assert set(trimmed) == {"number", "state", "opened_by"}
    assert trimmed["state"] == "1"
    link = trimmed["opened_by"]["link"]
    assert link.startswith(f"http://127.0.0.1:{port}/api/now/table/sys_user/")
    assert snow.session.get(link).json()["result"]["user_name"] == USER

    shown = _items(snow).get(query=query, fields=["state", "opened_by"], display_value=True).one()
    assert shown == {"state": "Open", "opened_by": "Integration"}

    both = _items(snow).get(query=query, fields=["state"], display_value="all").one()
    assert both["state"] == {"display_value": "Open", "value": "1"}

    bare = _items(snow).get(query=query, fields=["opened_by"], exclude_reference_link=True).one()
    assert bare["opened_by"] == trimmed["opened_by"]["value"]


def test_encoded_queries_filter_order_and_page(snow: pysnow.Client) -> None:
    items = _items(snow)
    for name, state in [("alpha api", "1"), ("beta api", "2"), ("gamma web", "3"), ("delta", "1")]:
        items.create(
            payload={"short_description": name, "state": state, "correlation_id": name[:1]}
        )

    def numbers(query: object, **kwargs: object) -> list[str]:
        rows = _items(snow).get(query=query, fields=["short_description"], **kwargs).all()
        return [r["short_description"] for r in rows]

    like = pysnow.QueryBuilder().field("short_description").contains("api")
    assert numbers(like) == ["alpha api", "beta api"]
    starts = pysnow.QueryBuilder().field("short_description").starts_with("GAM")
    assert numbers(starts) == ["gamma web"]
    either = pysnow.QueryBuilder().field("state").equals("2").OR().field("state").equals("3")
    assert numbers(either) == ["beta api", "gamma web"]
    within = pysnow.QueryBuilder().field("correlation_id").equals(["a", "d"])
    assert numbers(within) == ["alpha api", "delta"]
    assert numbers("state!=1^ORDERBYDESCshort_description") == ["gamma web", "beta api"]
    assert numbers("descriptionISEMPTY^short_descriptionISNOTEMPTY^ORDERBYshort_description") == [
        "alpha api",
        "beta api",
        "delta",
        "gamma web",
    ]
    assert numbers("ORDERBYshort_description", limit=2, offset=1) == ["beta api", "delta"]
    assert numbers("no operator here") == []


def test_one_raises_for_no_match_and_for_several(snow: pysnow.Client) -> None:
    _items(snow).create(payload={"short_description": "twin"})
    _items(snow).create(payload={"short_description": "twin"})

    with pytest.raises(NoResults):
        _items(snow).get(query={"short_description": "nobody"}).one()
    with pytest.raises(MultipleResults):
        _items(snow).get(query={"short_description": "twin"}).one()
    assert _items(snow).get(query={"short_description": "nobody"}).one_or_none() is None


def test_update_patch_and_delete(snow: pysnow.Client) -> None:
    created = _items(snow).create(payload={"short_description": "before"}).one()

    updated = _items(snow).update(query={"sys_id": created["sys_id"]}, payload={"state": "2"})
    assert updated["state"] == "2" and updated["sys_mod_count"] == "1"
    patched = (
        _items(snow)
        .request("PATCH", path_append=f"/{created['sys_id']}", json={"short_description": "after"})
        .one()
    )
    assert patched["short_description"] == "after" and patched["state"] == "2"

    assert _items(snow).delete(query={"sys_id": created["sys_id"]}) == {"status": "record deleted"}
    assert _items(snow).get(query={"sys_id": created["sys_id"]}).all() == []
    with pytest.raises(requests.HTTPError) as missing:
        _items(snow).request("GET", path_append=f"/{created['sys_id']}").one()
    assert missing.value.response.status_code == 404
    assert missing.value.response.json() == {
        "error": {
            "message": "No Record found",
            "detail": "Record doesn't exist or ACL restricts the record retrieval",
        },
        "status": "failure",
    }


def test_sticky_parameters_of_a_resource_do_not_leak_into_writes(snow: pysnow.Client) -> None:
    items = _items(snow)
    existing = items.create(payload={"short_description": "first"}).one()
    items.get(query={"sys_id": existing["sys_id"]}, fields=["number"], limit=1, offset=5).all()

    created = items.create(payload={"short_description": "second"}).one()
    assert set(created) == {"number"}  # sysparm_fields applies to the write's answer
    patched = items.request(
        "PATCH", path_append=f"/{existing['sys_id']}", json={"state": "2"}
    ).one()
    assert set(patched) == {"number"}

    everything = (
        _items(snow).get(query="ORDERBYnumber", fields=["short_description", "state"]).all()
    )
    assert everything == [
        {"short_description": "first", "state": "2"},
        {"short_description": "second", "state": "1"},
    ]


def test_work_notes_go_to_the_journal_and_read_back_empty(snow: pysnow.Client) -> None:
    created = _items(snow).create(payload={"short_description": "x", "work_notes": "opened"}).one()
    _items(snow).update(query={"sys_id": created["sys_id"]}, payload={"work_notes": "repo ready"})

    assert created["work_notes"] == ""
    journal = snow.resource(api_path="/table/sys_journal_field")
    entries = journal.get(query=f"element_id={created['sys_id']}^ORDERBYsys_created_on").all()
    assert [(e["element"], e["value"], e["name"]) for e in entries] == [
        ("work_notes", "opened", "sc_req_item"),
        ("work_notes", "repo ready", "sc_req_item"),
    ]
    shown = _items(snow).get(query={"sys_id": created["sys_id"]}, display_value=True).one()
    assert shown["work_notes"].index("repo ready") < shown["work_notes"].index("opened")


def test_wrong_credentials_and_unknown_tables_are_refused(snow: pysnow.Client, port: int) -> None:
    with pytest.raises(requests.HTTPError) as denied:
        _items(_client(port, password="wrong")).get(query={}).all()
    assert denied.value.response.status_code == 401
    assert denied.value.response.json()["error"]["message"] == "User Not Authenticated"

    with pytest.raises(requests.HTTPError) as invalid:
        snow.resource(api_path="/table/no_such_table").get(query={}).all()
    assert invalid.value.response.status_code == 400


def test_records_and_numbering_survive_a_restart(tmp_path: Path) -> None:
    chosen = free_port()
    with serving(create_app(_settings(tmp_path, chosen)), port=chosen):
        first = _items(_client(chosen)).create(payload={"short_description": "kept"}).one()

    again = free_port()
    with serving(create_app(_settings(tmp_path, again)), port=again):
        snow = _client(again)
        kept = _items(snow).get(query={"sys_id": first["sys_id"]}).one()
        second = _items(snow).create(payload={"short_description": "next"}).one()

    assert kept["short_description"] == "kept"
    assert second["number"] == "RITM0010002"


def test_a_reference_is_stored_as_given_even_when_it_names_no_record(
    snow: pysnow.Client,
) -> None:
    groups = snow.resource(api_path="/table/sys_user_group")
    group = groups.create(payload={"name": "payments-cab"}).one()

    linked = _items(snow).create(payload={"assignment_group": group["sys_id"]}).one()
    broken = _items(snow).create(payload={"assignment_group": "payments-cab"}).one()

    assert linked["assignment_group"]["value"] == group["sys_id"]
    assert broken["assignment_group"]["value"] == "payments-cab"  # a name is no sys_id
    shown = _items(snow).get(
        query={"sys_id": broken["sys_id"]}, fields=["assignment_group"], display_value="all"
    )
    assert shown.one()["assignment_group"]["display_value"] == ""
    by_user_name = _items(snow).create(payload={"requested_for": USER}).one()
    assert by_user_name["requested_for"]["value"] == USER
