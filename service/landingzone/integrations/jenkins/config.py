"""Jenkins settings (LZ_JENKINS_*): where the adapter finds Jenkins and how it signs in."""

from __future__ import annotations

from pydantic import SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from landingzone.integrations.settings import IntegrationSettings, without_trailing_slash


class JenkinsSettings(IntegrationSettings):
    """`token` is the user's API token; it is only ever handed to the HTTP client.

    `notify_commit_token` is one of the git plugin's notifyCommit access tokens (Manage
    Jenkins > Security > Git plugin notifyCommit access tokens); it goes into the push-hook
    URL handed to the repository host. Empty leaves it out, for controllers that allow
    unauthenticated polling requests (NOTIFY_COMMIT_ACCESS_CONTROL=disabled-for-polling).
    """

    model_config = SettingsConfigDict(env_prefix="LZ_JENKINS_")

    url: str = "http://127.0.0.1:8080"
    username: str = "landingzone"
    token: SecretStr = SecretStr("changeme")
    notify_commit_token: SecretStr = SecretStr("changeme")

    _no_trailing_slash = field_validator("url")(without_trailing_slash)

    @property
    def base_url(self) -> str:
        return self.url + "/"
