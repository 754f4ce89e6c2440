"""HTTP calls to Backstage, with faults sorted into transient and permanent."""

from __future__ import annotations

from typing import Any

import httpx

from landingzone.integrations.backstage.config import BackstageConfig
from landingzone.integrations.base import PermanentError, TransientError
from landingzone.integrations.retry_after import retry_after

SYSTEM = "backstage"


def post_json(
    config: BackstageConfig, path: str, body: dict[str, Any], what: str, accept: frozenset[int]
) -> int:
    """POST `body` to `path`; returns the status when it is 2xx or in `accept`."""
    headers = {"Authorization": f"Bearer {config.token.get_secret_value()}"}
    try:
        response = httpx.post(
            f"{config.url}{path}", json=body, headers=headers, timeout=config.timeout_s
        )
    except httpx.TimeoutException as error:
        raise TransientError(SYSTEM, f"{what}: timed out ({type(error).__name__})") from error
    except httpx.TransportError as error:
        raise TransientError(SYSTEM, f"{what}: {type(error).__name__}: {error}") from error
    status = response.status_code
    if 200 <= status < 300 or status in accept:
        return status
    message = f"{what}: HTTP {status}: {_reason(response)}"
    if status == 429 or status >= 500:
        raise TransientError(SYSTEM, message, retry_after=retry_after(status, response.headers))
    raise PermanentError(SYSTEM, message)


def _reason(response: httpx.Response) -> str:
    """Backstage's error body is `{"error": {"name", "message"}}`; fall back to the phrase."""
    try:
        error = response.json().get("error", {})
        message = str(error.get("message", "")).strip()
    except (ValueError, AttributeError):
        message = ""
    return (message or response.reason_phrase or "no reason given")[:300]
