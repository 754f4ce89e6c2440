"""ServiceNow simulator: the Table API as pysnow uses it, the Service Catalog API with its
"Landing zone" item and flow, approval rules and an inbox page."""

from landingzone_sandbox.servicenow.app import create_app
from landingzone_sandbox.servicenow.settings import ServiceNowSimSettings

__all__ = ["ServiceNowSimSettings", "create_app"]
