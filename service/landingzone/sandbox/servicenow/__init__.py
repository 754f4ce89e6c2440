"""ServiceNow simulator: the Table API as pysnow uses it, approval rules and an inbox page."""

from landingzone.sandbox.servicenow.app import create_app
from landingzone.sandbox.servicenow.settings import ServiceNowSimSettings

__all__ = ["ServiceNowSimSettings", "create_app"]
