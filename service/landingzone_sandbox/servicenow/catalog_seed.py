"""The sandbox's Service Catalog: the "Landing zone" item and its variables, seeded at start.

Seeding is idempotent: records keep stable sys_ids, are created when missing and brought back
to this definition when they differ, so a restart never duplicates them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from landingzone_sandbox.servicenow.schema import MULTI_LINE_TEXT, REFERENCE, SINGLE_LINE_TEXT

if TYPE_CHECKING:
    from landingzone_sandbox.servicenow.instance import ServiceNowInstance

LANDING_ZONE_ITEM = "Landing zone"
CORRELATION_VARIABLE = "landing_zone_id"  # the item's answer the decision callback carries
APPROVAL_GROUP_VARIABLE = "approval_group"  # the group the item's flow asks, if any


def stable_sys_id(*parts: str) -> str:
    return hashlib.sha256("/".join(("landingzone-sandbox", *parts)).encode()).hexdigest()[:32]


LANDING_ZONE_ITEM_SYS_ID = stable_sys_id("sc_cat_item", LANDING_ZONE_ITEM)


@dataclass(frozen=True)
class Variable:
    name: str
    question: str
    type: str = SINGLE_LINE_TEXT
    mandatory: bool = False
    reference: str = ""


LANDING_ZONE_VARIABLES = (
    Variable(CORRELATION_VARIABLE, "Landing zone ID", mandatory=True),
    Variable("landing_zone_name", "Landing zone name", mandatory=True),
    Variable("component_class", "Component class"),
    Variable("tenant", "Tenant"),
    Variable("owner", "Owner"),
    Variable("description", "Description", type=MULTI_LINE_TEXT),
    Variable("system", "System"),
    Variable("requester", "Requester"),
    Variable("repository", "Repository"),
    Variable("environment_repository", "Environment repository"),
    Variable("build_pipeline", "Build pipeline"),
    Variable("promote_pipeline", "Promote pipeline"),
    Variable("landing_zone_url", "Landing zone URL"),
    Variable(APPROVAL_GROUP_VARIABLE, "Approval group", type=REFERENCE, reference="sys_user_group"),
)


def seed_catalog(instance: ServiceNowInstance) -> None:
    with instance.store.transaction():
        _ensure(
            instance,
            "sc_cat_item",
            LANDING_ZONE_ITEM_SYS_ID,
            {
                "name": LANDING_ZONE_ITEM,
                "short_description": "Request a landing zone",
                "description": (
                    "A project repository, its environment repository and its build and "
                    "promote pipelines, created by the Landing Zone service once approved."
                ),
                "active": "true",
            },
        )
        for position, variable in enumerate(LANDING_ZONE_VARIABLES, start=1):
            _ensure(
                instance,
                "item_option_new",
                stable_sys_id("item_option_new", LANDING_ZONE_ITEM, variable.name),
                {
                    "cat_item": LANDING_ZONE_ITEM_SYS_ID,
                    "name": variable.name,
                    "question_text": variable.question,
                    "type": variable.type,
                    "mandatory": "true" if variable.mandatory else "false",
                    "order": str(position * 100),
                    "reference": variable.reference,
                    "active": "true",
                },
            )


def _ensure(instance: ServiceNowInstance, table: str, sys_id: str, values: dict[str, str]) -> None:
    existing = instance.find(table, sys_id)
    if existing is None:
        instance.insert(table, values | {"sys_id": sys_id}, actor="system")
    elif any(existing.get(k) != v for k, v in values.items()):
        instance.update(table, sys_id, values, actor="system")
