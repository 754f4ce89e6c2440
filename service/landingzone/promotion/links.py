"""Where people and pipelines find a promotion and its landing zone."""

from __future__ import annotations


def landing_zone_page(public_url: str, landing_zone_id: str) -> str:
    """The landing zone's row on the dashboard."""
    return f"{public_url}/#{landing_zone_id}"


def promotion(public_url: str, promotion_id: str) -> str:
    return f"{public_url}/v1/promotions/{promotion_id}"


def outcome(public_url: str, promotion_id: str) -> str:
    return f"{promotion(public_url, promotion_id)}/outcome"
