"""Bitbucket Server / Data Center as the RepositoryHost."""

from landingzone.integrations.bitbucket.config import BitbucketSettings
from landingzone.integrations.bitbucket.plugin import BitbucketRepositoryHost

__all__ = ["BitbucketRepositoryHost", "BitbucketSettings"]
