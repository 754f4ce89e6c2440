"""python-jenkins and requests failures as TransientError / PermanentError.

python-jenkins raises JenkinsException carrying "[status]" for 401/403/500,
NotFoundException for 404, TimeoutException for timeouts, and lets requests.HTTPError
through for every other status. Messages are trimmed and scrubbed of the API token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import jenkins
import requests

from landingzone.integrations.base import IntegrationError, PermanentError, TransientError
from landingzone.integrations.retry_after import retry_after

SYSTEM = "jenkins"
_RETRYABLE_STATUSES = {408, 425, 429}
_STATUS_IN_MESSAGE = re.compile(r"\[(\d{3})\]")
_MAX_DETAIL = 300


def is_retryable(status: int | None) -> bool:
    return status is not None and (status >= 500 or status in _RETRYABLE_STATUSES)


def status_of(error: Exception) -> int | None:
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return error.response.status_code
    if isinstance(error, jenkins.NotFoundException):
        return 404
    match = _STATUS_IN_MESSAGE.search(str(error))
    return int(match.group(1)) if match else None


@contextmanager
def translated(
    action: str,
    token: str,
    client: jenkins.Jenkins | None = None,
    hidden: Sequence[str] = (),
) -> Iterator[None]:
    """Raise what goes wrong inside as an IntegrationError naming `action`.

    The token and every `hidden` value are masked in the message.
    """
    masked = (token, *hidden)
    try:
        yield
    except IntegrationError:
        raise
    except jenkins.TimeoutException:
        raise TransientError(SYSTEM, f"{action}: timed out") from None
    except (jenkins.JenkinsException, requests.HTTPError) as error:
        status = status_of(error)
        detail = _detail(error, masked)
        if status == 403 and "crumb" in str(error).lower():
            # The cached crumb went stale (a restarted controller); fetch a new one next time.
            if client is not None:
                client.crumb = None
            raise TransientError(SYSTEM, f"{action}: {detail}") from None
        if is_retryable(status):
            raise TransientError(
                SYSTEM, f"{action}: {detail}", retry_after=_retry_after(error, status)
            ) from None
        raise PermanentError(SYSTEM, f"{action}: {detail}") from None
    except requests.RequestException as error:
        raise TransientError(SYSTEM, f"{action}: {_detail(error, masked)}") from None
    except json.JSONDecodeError as error:  # a body that is not the JSON Jenkins sends
        raise TransientError(SYSTEM, f"{action}: unreadable answer ({error})") from None


def _retry_after(error: Exception, status: int | None) -> float | None:
    # python-jenkins lets 429 and 503 through as requests.HTTPError, response and all.
    response = error.response if isinstance(error, requests.HTTPError) else None
    return retry_after(status, None if response is None else response.headers)


def _detail(error: Exception, masked: Sequence[str]) -> str:
    text = str(error)
    for value in masked:
        if value:
            text = text.replace(value, "****")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    text = " | ".join(lines[:2]) or type(error).__name__
    if len(text) > _MAX_DETAIL:
        text = text[: _MAX_DETAIL - 1] + "…"
    return f"{type(error).__name__}: {text}"
