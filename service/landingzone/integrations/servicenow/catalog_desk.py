"""The catalog mode: order the tenant's Service Catalog item; its flow asks the approval group.

Ordering makes the request (sc_request), its requested item (sc_req_item) with the landing
zone's variables, and starts the item's flow, which asks for approval. The decision is read
from the requested item. A replay never orders twice: before ordering, the requested item
whose `landing_zone_id` variable holds this landing zone's id is looked up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from landingzone.integrations.base import ApprovalRecord, ApprovalRequest, PermanentError
from landingzone.integrations.servicenow.client import (
    SYSTEM,
    Row,
    ServiceNowClient,
    check_sys_id,
    query_value,
)
from landingzone.integrations.servicenow.config import ServiceNowSettings
from landingzone.integrations.servicenow.items import (
    CLOSED_INCOMPLETE,
    ITEM_FIELDS,
    RequestedItemDesk,
)

REQUESTS = "sc_request"
CORRELATION_VARIABLE = "landing_zone_id"
GROUP_VARIABLE = "approval_group"
# ApprovalRequest.facts -> the catalog variable that carries it.
VARIABLES: Mapping[str, str] = {
    "name": "landing_zone_name",
    "class": "component_class",
    "tenant": "tenant",
    "owner": "owner",
    "description": "description",
    "system": "system",
    "requester": "requester",
    "repository": "repository",
    "environment_repository": "environment_repository",
    "build_pipeline": "build_pipeline",
    "promote_pipeline": "promote_pipeline",
    "link": "landing_zone_url",
}
_SYS_ID = re.compile(r"^[0-9a-f]{32}$")
_BY_VARIABLE = "sc_item_option.item_option_new.name={name}^sc_item_option.value={value}"


@dataclass(frozen=True)
class CatalogItem:
    sys_id: str
    name: str
    variables: frozenset[str]


class CatalogApprovalDesk(RequestedItemDesk):
    def __init__(
        self,
        config: ServiceNowSettings,
        *,
        timeout_s: float,
        client: ServiceNowClient | None = None,
    ) -> None:
        super().__init__(config, timeout_s=timeout_s, client=client)
        self._catalog: dict[str, CatalogItem] = {}
        self._request_numbers: dict[str, str] = {}

    def ensure_request(self, request: ApprovalRequest) -> ApprovalRecord:
        if not request.catalog_item:
            raise PermanentError(SYSTEM, "no ServiceNow catalog item is configured for it")
        item = self._catalog_item(request.catalog_item)
        existing = self._find_ordered(request.correlation_id)
        if existing is not None:
            return self._opened(existing, request)
        order: dict[str, object] = {
            "sysparm_quantity": "1",
            "variables": self._variables(item, request),
        }
        requested_for = self._items.user_sys_id(request.requested_for_email)
        if requested_for:
            order["sysparm_requested_for"] = requested_for
        placed = self._client.order_now(item.sys_id, order)
        request_id = check_sys_id(str(placed.get("request_id", "")))
        self._request_numbers[request_id] = str(placed.get("request_number", ""))
        rows = self._client.find("sc_req_item", f"request={request_id}", ITEM_FIELDS)
        if len(rows) != 1:
            number = placed.get("request_number", request_id)
            raise PermanentError(SYSTEM, f"{number} holds {len(rows)} requested items, not one")
        return self._opened(rows[0], request)

    def cancel_request(self, sys_id: str, note: str) -> None:
        """Cancel the request: the instance closes its item, ends the flow and withdraws the
        approvals still asked of anyone."""
        row = self._items.get(sys_id)
        if self._items.record(row).closed:
            return
        request_id = str(row.get("request", ""))
        if not request_id:
            raise PermanentError(SYSTEM, f"{row.get('number', sys_id)} belongs to no request")
        values = {
            "request_state": "closed_cancelled",
            "state": CLOSED_INCOMPLETE,
            "close_notes": note,
        }
        self._client.patch(REQUESTS, request_id, values)

    # ------------------------------------------------------------------ helpers

    def _catalog_item(self, name_or_sys_id: str) -> CatalogItem:
        cached = self._catalog.get(name_or_sys_id)
        if cached is not None:
            return cached
        if _SYS_ID.fullmatch(name_or_sys_id):
            sys_id = name_or_sys_id
        else:
            found = self._client.catalog_items(name_or_sys_id)
            named = [r for r in found if str(r.get("name", "")) == name_or_sys_id]
            if len(named) != 1:
                how = "no" if not named else "more than one"
                raise PermanentError(
                    SYSTEM, f"{how} active catalog item is named {name_or_sys_id!r}"
                )
            sys_id = str(named[0]["sys_id"])
        detail = self._client.catalog_item(sys_id)
        variables = frozenset(str(v.get("name", "")) for v in detail.get("variables") or [])
        if CORRELATION_VARIABLE not in variables:
            raise PermanentError(
                SYSTEM,
                f"catalog item {name_or_sys_id!r} has no variable {CORRELATION_VARIABLE!r}, "
                "so an order could not be found again",
            )
        item = CatalogItem(sys_id, str(detail.get("name", name_or_sys_id)), variables)
        self._catalog[name_or_sys_id] = item
        return item

    def _variables(self, item: CatalogItem, request: ApprovalRequest) -> dict[str, str]:
        facts = request.facts
        values = {variable: facts[fact] for fact, variable in VARIABLES.items() if fact in facts}
        values[CORRELATION_VARIABLE] = request.correlation_id
        if request.needs_approval and request.approval_group:
            if GROUP_VARIABLE not in item.variables:
                raise PermanentError(
                    SYSTEM,
                    f"catalog item {item.name!r} has no variable {GROUP_VARIABLE!r} "
                    "to carry the tenant's approval group",
                )
            values[GROUP_VARIABLE] = self._items.group_sys_id(request.approval_group)
        return values

    def _find_ordered(self, correlation_id: str) -> Row | None:
        query = _BY_VARIABLE.format(name=CORRELATION_VARIABLE, value=query_value(correlation_id))
        links = self._client.find(
            "sc_item_option_mtom", query + "^ORDERBYsys_created_on", ("request_item",)
        )
        for link in links:
            item_id = str(link.get("request_item", ""))
            if item_id:
                return self._items.get(item_id)
        return None

    def _record(self, row: Row) -> ApprovalRecord:
        return self._items.record(row, request_number=self._request_number(row))

    def _opened(self, row: Row, request: ApprovalRequest) -> ApprovalRecord:
        return self._items.record(
            row,
            request_number=self._request_number(row),
            notes=False,
            deciders=request.needs_approval,
        )

    def _request_number(self, row: Row) -> str:
        request_id = str(row.get("request", ""))
        if not request_id:
            return ""
        if request_id not in self._request_numbers:
            rows = self._client.find(REQUESTS, f"sys_id={check_sys_id(request_id)}", ("number",))
            self._request_numbers[request_id] = str(rows[0].get("number", "")) if rows else ""
        return self._request_numbers[request_id]
