"""The `Retry-After` header of a throttled (429) or unavailable (503) answer, in seconds.

RFC 9110 §10.2.3: the value is either a number of seconds or an HTTP-date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

ASKS_TO_WAIT = frozenset({429, 503})


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait, or None when `value` is missing or neither form of the header."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_after(status: int | None, headers: Mapping[str, str] | None) -> float | None:
    """The delay a 429 or 503 answer asks for; None for any other answer."""
    if status not in ASKS_TO_WAIT or headers is None:
        return None
    return parse_retry_after(headers.get("Retry-After"))
