"""Jenkins settings (LZ_JENKINS_*): where the adapter finds Jenkins and how it signs in."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from landingzone.integrations.settings import IntegrationSettings, without_trailing_slash

# The version of jenkins-library/ in this source tree, which the sandbox tags and serves.
LIBRARY_VERSION = "1.0.0"


class JenkinsSettings(IntegrationSettings):
    """`token` is the user's API token; it is only ever handed to the HTTP client.

    `notify_commit_token` is one of the git plugin's notifyCommit access tokens (Manage
    Jenkins > Security > Git plugin notifyCommit access tokens); it goes into the push-hook
    URL handed to the repository host. Empty leaves it out, for controllers that allow
    unauthenticated polling requests (NOTIFY_COMMIT_ACCESS_CONTROL=disabled-for-polling).

    Every landing zone's folder pins the platform's shared library (`library_*`: the steps
    its Jenkinsfiles call) at `library_version`, and holds the ids of the credentials its
    pipelines use: `registry_credentials_id` (username and password, push to the registry)
    and `promotion_credentials_id` (secret text, the landing zone's promotion API token).
    """

    model_config = SettingsConfigDict(env_prefix="LZ_JENKINS_")

    url: str = "http://127.0.0.1:8080"
    username: str = "landingzone"
    token: SecretStr = SecretStr("changeme")
    notify_commit_token: SecretStr = SecretStr("changeme")
    library_name: str = Field(default="landingzone", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    library_version: str = Field(default=LIBRARY_VERSION, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    library_clone_url: str = ""
    registry_credentials_id: str = "nexus-registry"
    # The secret-text credential, in each landing zone's folder, its promote pipeline calls
    # the promotion API with.
    promotion_credentials_id: str = Field(
        default="landingzone-promotion", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
    )

    _no_trailing_slash = field_validator("url")(without_trailing_slash)

    @property
    def base_url(self) -> str:
        return self.url + "/"
