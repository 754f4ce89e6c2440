"""A Bitbucket Server (Data Center) simulator: REST API 1.0, branch permissions 2.0, webhooks,
and real git over smart HTTP, with state kept under a data directory."""

from .app import create_app
from .settings import BitbucketSimSettings

__all__ = ["BitbucketSimSettings", "create_app"]
