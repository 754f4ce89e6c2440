"""ServiceNow: approvals on a requested item, ordered through the Service Catalog or inserted
through the Table API; change requests through the Table API."""

from landingzone.integrations.servicenow.callback import sign_callback, verify_callback
from landingzone.integrations.servicenow.catalog_desk import CatalogApprovalDesk
from landingzone.integrations.servicenow.change_desk import ServiceNowChangeDesk
from landingzone.integrations.servicenow.config import ServiceNowSettings
from landingzone.integrations.servicenow.desk import approval_desk
from landingzone.integrations.servicenow.table_desk import TableApprovalDesk

__all__ = [
    "CatalogApprovalDesk",
    "ServiceNowChangeDesk",
    "ServiceNowSettings",
    "TableApprovalDesk",
    "approval_desk",
    "sign_callback",
    "verify_callback",
]
