"""The Service Catalog of the ServiceNow sandbox: items, order_now, variables, dot-walks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from landingzone_sandbox.servicenow.catalog_seed import (
    LANDING_ZONE_ITEM,
    LANDING_ZONE_ITEM_SYS_ID,
    LANDING_ZONE_VARIABLES,
)
from tests.sandbox.servicenow_helpers import USER, Snow, landing_zone, running

VARIABLE_NAMES = [v.name for v in LANDING_ZONE_VARIABLES]
FAILURE = "failure"


@pytest.fixture
def snow(tmp_path: Path) -> Iterator[Snow]:
    with running(tmp_path) as started:
        yield started


def test_the_landing_zone_item_is_found_and_lists_its_variables(snow: Snow) -> None:
    found = snow.http("/api/sn_sc/servicecatalog/items?sysparm_text=LANDING&sysparm_limit=5")
    assert found.status_code == 200
    [item] = found.json()["result"]
    assert (item["sys_id"], item["name"]) == (LANDING_ZONE_ITEM_SYS_ID, LANDING_ZONE_ITEM)
    assert (item["type"], item["sys_class_name"]) == ("catalog_item", "sc_cat_item")
    nothing = snow.http("/api/sn_sc/servicecatalog/items?sysparm_text=laptop")
    assert nothing.json() == {"result": []}

    details = snow.http(f"/api/sn_sc/v1/servicecatalog/items/{LANDING_ZONE_ITEM_SYS_ID}")
    result = details.json()["result"]
    assert result["name"] == LANDING_ZONE_ITEM
    assert [v["name"] for v in result["variables"]] == VARIABLE_NAMES
    mandatory = {v["name"] for v in result["variables"] if v["mandatory"]}
    assert mandatory == {"landing_zone_id", "landing_zone_name"}
    [group] = [v for v in result["variables"] if v["name"] == "approval_group"]
    assert (group["type"], group["reference"], group["label"]) == (
        8,
        "sys_user_group",
        "Approval group",
    )


def test_unknown_items_and_callers_without_credentials_are_refused(snow: Snow) -> None:
    missing = snow.http(f"/api/sn_sc/servicecatalog/items/{'0' * 32}")
    assert missing.status_code == 400 and missing.json()["status"] == FAILURE
    anonymous = httpx.get(f"{snow.url}/api/sn_sc/servicecatalog/items", timeout=10)
    assert anonymous.status_code == 401


def test_order_now_creates_one_request_one_item_and_every_variable(snow: Snow) -> None:
    requester = snow.user_id("cab.deputy")
    answers = landing_zone("lz_0007", tenant="retail", owner="group:default/payments")
    placed = snow.order(answers | {"not_a_variable": "ignored"}, sysparm_requested_for=requester)

    assert placed.status_code == 200
    result = placed.json()["result"]
    assert result["table"] == "sc_request" and result["number"].startswith("REQ")
    assert result["request_id"] == result["sys_id"]
    assert result["request_number"] == result["number"]
    request = snow.one("sc_request", result["sys_id"])
    assert request["requested_for"]["value"] == requester
    assert request["opened_by"]["value"] == snow.user_id(USER)
    assert (request["request_state"], request["approval"]) == ("in_process", "approved")

    [item] = snow.rows("sc_req_item", {"request": result["sys_id"]})
    assert item["cat_item"]["value"] == LANDING_ZONE_ITEM_SYS_ID
    assert item["short_description"] == "Request a landing zone"
    assert item["requested_for"]["value"] == requester
    links = snow.rows("sc_item_option_mtom", {"request_item": item["sys_id"]})
    values = {}
    for link in links:
        option = snow.one("sc_item_option", link["sc_item_option"]["value"])
        question = snow.one("item_option_new", option["item_option_new"]["value"])
        values[question["name"]] = option["value"]
    assert sorted(values) == sorted(VARIABLE_NAMES)
    assert values["landing_zone_id"] == "lz_0007" and values["tenant"] == "retail"
    assert values["repository"] == ""  # not answered: recorded empty
    # No approval group: the item's flow approves it and starts fulfilment, nobody is asked.
    assert (item["approval"], item["state"], item["stage"]) == ("approved", "2", "fulfillment")
    assert snow.rows("sysapproval_approver", {"sysapproval": item["sys_id"]}) == []


def test_a_missing_mandatory_variable_is_refused_and_nothing_is_created(snow: Snow) -> None:
    without_name = landing_zone()
    del without_name["landing_zone_name"]
    for answers in (without_name, landing_zone() | {"landing_zone_id": ""}):
        refused = snow.order(answers)
        assert refused.status_code == 400
        assert refused.json()["error"]["message"] == "Mandatory Variables are required"
    bad_quantity = snow.order(landing_zone(), sysparm_quantity="-1")
    assert bad_quantity.json()["error"]["message"] == "Invalid Quantity value"
    unknown = snow.order(landing_zone(), item="0" * 32)
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == "Security constraints prevent ordering of Item"

    for table in ("sc_request", "sc_req_item", "sc_item_option", "sc_item_option_mtom"):
        assert snow.rows(table, {}) == [], table


def test_a_dot_walked_query_finds_the_item_by_its_landing_zone_id(snow: Snow) -> None:
    snow.ordered_item(landing_zone("lz_a"))
    wanted = snow.ordered_item(landing_zone("lz_b"))

    query = "sc_item_option.item_option_new.name=landing_zone_id^sc_item_option.value=lz_b"
    [link] = snow.rows("sc_item_option_mtom", query, fields=["request_item", "request_item.number"])
    assert link["request_item"]["value"] == wanted["sys_id"]
    assert link["request_item.number"] == wanted["number"]
    by_request = snow.rows("sc_req_item", f"request.number={_request_number(snow, wanted)}")
    assert [item["sys_id"] for item in by_request] == [wanted["sys_id"]]
    assert len(snow.rows("sc_req_item", "cat_item.name=Landing zone")) == 2
    assert snow.rows("sc_item_option_mtom", "sc_item_option.no_such_field.name=x") == []
    assert snow.rows("sc_item_option_mtom", "request_item.number.name=x") == []


def test_several_of_an_item_make_one_item_each_on_one_request(snow: Snow) -> None:
    placed = snow.order(landing_zone(), sysparm_quantity=2)

    items = snow.rows("sc_req_item", {"request": placed.json()["result"]["sys_id"]})
    assert len(items) == 2 and items[0]["number"] != items[1]["number"]
    for item in items:
        assert len(snow.rows("sc_item_option_mtom", {"request_item": item["sys_id"]})) == len(
            VARIABLE_NAMES
        )


def test_the_catalog_and_the_groups_survive_a_restart_once(tmp_path: Path) -> None:
    with running(tmp_path) as snow:
        snow.ordered_item(landing_zone())
    with running(tmp_path) as again:
        assert len(again.rows("sc_cat_item", {})) == 1
        assert len(again.rows("item_option_new", {})) == len(VARIABLE_NAMES)
        assert len(again.rows("sys_user_grmember", {"group": again.group_id()})) == 2
        assert len(again.rows("sc_req_item", {})) == 1


def _request_number(snow: Snow, item: dict[str, object]) -> str:
    request = item["request"]
    assert isinstance(request, dict)
    return str(snow.one("sc_request", request["value"])["number"])
