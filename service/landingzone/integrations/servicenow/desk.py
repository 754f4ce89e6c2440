"""The ApprovalDesk for the configured way the instance takes requests."""

from __future__ import annotations

from landingzone.integrations.base import ApprovalDesk
from landingzone.integrations.servicenow.catalog_desk import CatalogApprovalDesk
from landingzone.integrations.servicenow.config import ServiceNowSettings
from landingzone.integrations.servicenow.table_desk import TableApprovalDesk


def approval_desk(config: ServiceNowSettings, *, timeout_s: float) -> ApprovalDesk:
    if config.mode == "catalog":
        return CatalogApprovalDesk(config, timeout_s=timeout_s)
    return TableApprovalDesk(config, timeout_s=timeout_s)
