"""A local Jenkins speaking the remote API python-jenkins uses; builds really fetch from git."""

from .app import create_app
from .settings import JenkinsSimSettings

__all__ = ["JenkinsSimSettings", "create_app"]
