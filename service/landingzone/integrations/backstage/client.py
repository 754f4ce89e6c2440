"""HTTP calls to Backstage, with faults sorted into transient and permanent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from landingzone.integrations.base import PermanentError, TransientError
from landingzone.integrations.retry_after import retry_after

SYSTEM = "backstage"


@dataclass(frozen=True)
class BackstageApi:
    url: str  # the backend's base URL, without /api
    token: SecretStr = field(repr=False)
    timeout_s: float

    def post_json(self, path: str, body: dict[str, Any], what: str, accept: frozenset[int]) -> int:
        """POST `body` to `path`; returns the status when it is 2xx or in `accept`."""
        headers = {"Authorization": f"Bearer {self.token.get_secret_value()}"}
        try:
            response = httpx.post(
                f"{self.url}{path}", json=body, headers=headers, timeout=self.timeout_s
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
            delay = retry_after(status, response.headers)
            raise TransientError(SYSTEM, message, retry_after=delay)
        raise PermanentError(SYSTEM, message)


def _reason(response: httpx.Response) -> str:
    """Backstage's error body is `{"error": {"name", "message"}}`; fall back to the phrase."""
    try:
        error = response.json().get("error", {})
        message = str(error.get("message", "")).strip()
    except (ValueError, AttributeError):
        message = ""
    return (message or response.reason_phrase or "no reason given")[:300]
