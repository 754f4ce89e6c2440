"""Turn client-library and git failures into Transient/PermanentError, without credentials."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import requests

from landingzone.integrations.base import IntegrationError, PermanentError, TransientError
from landingzone.integrations.retry_after import retry_after

SYSTEM = "bitbucket"
# git asks for a user name after a 401, which fails as prompts are disabled.
_AUTH_GIT_MARKERS = ("authentication failed", "could not read username", "returned error: 401")
_TRANSIENT_GIT_MARKERS = (
    "could not resolve host",
    "failed to connect",
    "connection refused",
    "connection reset",
    "timed out",
    "timeout",
    "rpc failed",
    "early eof",
    "unexpected disconnect",
    "the requested url returned error: 5",
    "the requested url returned error: 429",
)


_GIT_HTTP_STATUS = re.compile(r"the requested url returned error: (\d{3})")


def scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def status_of(exc: requests.RequestException) -> int | None:
    response = getattr(exc, "response", None)
    return None if response is None else int(response.status_code)


def is_transient_status(status: int | None) -> bool:
    return status is None or status >= 500 or status in (408, 429)


def from_request_error(
    exc: requests.RequestException, action: str, secrets: Sequence[str]
) -> IntegrationError:
    status = status_of(exc)
    if isinstance(exc, requests.HTTPError):
        detail = str(exc).strip() or "no details"
        message = scrub(f"{action}: HTTP {status}: {detail}", secrets)
        if is_transient_status(status):
            response = exc.response
            delay = retry_after(status, None if response is None else response.headers)
            return TransientError(SYSTEM, message, retry_after=delay)
        return PermanentError(SYSTEM, message)
    return TransientError(SYSTEM, scrub(f"{action}: {type(exc).__name__}: {exc}", secrets))


def from_git_error(stderr: str, action: str, secrets: Sequence[str]) -> IntegrationError:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    detail = scrub(" | ".join(lines[-3:]) or "git failed", secrets)
    lowered = detail.lower()
    if any(marker in lowered for marker in _AUTH_GIT_MARKERS):
        return PermanentError(SYSTEM, f"{action}: authentication failed (HTTP 401): {detail}")
    refused = _GIT_HTTP_STATUS.search(lowered)
    if refused and not is_transient_status(int(refused.group(1))):
        # An HTTP refusal (403, 404, ...) wins over the disconnect git reports after it.
        return PermanentError(SYSTEM, f"{action}: {detail}")
    if any(marker in lowered for marker in _TRANSIENT_GIT_MARKERS):
        return TransientError(SYSTEM, f"{action}: {detail}")
    return PermanentError(SYSTEM, f"{action}: {detail}")


@contextmanager
def translated(action: str, secrets: Sequence[str]) -> Iterator[None]:
    """Re-raise any `requests` failure inside the block as an IntegrationError."""
    try:
        yield
    except requests.RequestException as exc:
        raise from_request_error(exc, action, secrets) from exc
