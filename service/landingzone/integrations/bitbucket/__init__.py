"""Bitbucket Server / Data Center as the RepositoryHost."""

from landingzone.integrations.bitbucket.config import BitbucketConfig
from landingzone.integrations.bitbucket.plugin import BitbucketRepositoryHost

__all__ = ["BitbucketConfig", "BitbucketRepositoryHost"]
