"""BackstagePortal: the DeveloperPortal capability over Backstage's catalog and notifications."""

from __future__ import annotations

from landingzone.integrations.backstage.client import BackstageApi
from landingzone.integrations.backstage.config import BackstageSettings
from landingzone.integrations.base import Notification

ALREADY_REGISTERED = 409  # the catalog's ConflictError: "Location url:… already exists"


class BackstagePortal:
    def __init__(self, config: BackstageSettings, *, timeout_s: float) -> None:
        if config.token is None:
            raise ValueError("Backstage's APIs need a token (LZ_BACKSTAGE_TOKEN)")
        self._config = config
        self._api = BackstageApi(config.url, config.token, timeout_s)

    @property
    def notifications_enabled(self) -> bool:
        return self._config.notifications

    def register_component(self, location_url: str) -> bool:
        status = self._api.post_json(
            "/api/catalog/locations",
            {"type": "url", "target": location_url},
            f"register location {location_url}",
            accept=frozenset({ALREADY_REGISTERED}),
        )
        return status != ALREADY_REGISTERED

    def notify(self, notification: Notification) -> None:
        payload: dict[str, str] = {
            "title": notification.title,
            "description": notification.description,
            "severity": notification.severity,
            "topic": "landing-zone",
            # Same scope, same notification: a replayed call updates it instead of adding one.
            "scope": notification.scope,
        }
        if notification.link:
            payload["link"] = notification.link
        self._api.post_json(
            "/api/notifications/notifications",
            {
                "recipients": {"type": "entity", "entityRef": notification.user_ref},
                "payload": payload,
            },
            f"notify {notification.user_ref}",
            accept=frozenset(),
        )
