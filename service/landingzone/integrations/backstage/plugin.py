"""BackstagePortal: the DeveloperPortal capability over Backstage's catalog and notifications."""

from __future__ import annotations

from landingzone.integrations.backstage.client import post_json
from landingzone.integrations.backstage.config import BackstageConfig
from landingzone.integrations.base import Notification

ALREADY_REGISTERED = 409  # the catalog's ConflictError: "Location url:… already exists"


class BackstagePortal:
    def __init__(self, config: BackstageConfig) -> None:
        self._config = config

    @property
    def notifications_enabled(self) -> bool:
        return self._config.notifications

    def register_component(self, location_url: str) -> bool:
        status = post_json(
            self._config,
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
        post_json(
            self._config,
            "/api/notifications/notifications",
            {
                "recipients": {"type": "entity", "entityRef": notification.user_ref},
                "payload": payload,
            },
            f"notify {notification.user_ref}",
            accept=frozenset(),
        )
