"""ServiceNow: approvals on a requested item (sc_req_item) through the Table API."""

from landingzone.integrations.servicenow.callback import sign_callback, verify_callback
from landingzone.integrations.servicenow.config import ServiceNowConfig
from landingzone.integrations.servicenow.plugin import ServiceNowApprovalDesk

__all__ = ["ServiceNowApprovalDesk", "ServiceNowConfig", "sign_callback", "verify_callback"]
