"""Checks the signature ServiceNow's decision callback carries.

`X-ServiceNow-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{raw_body}")>` and the
Unix time in `X-ServiceNow-Timestamp`; a timestamp outside the tolerance is refused so a
captured callback cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign_callback(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return PREFIX + digest.hexdigest()


def verify_callback(
    secret: str, timestamp: str, body: bytes, signature: str, now: float, tolerance_s: float = 300
) -> bool:
    if (
        not secret
        or not signature.startswith(PREFIX)
        or not (timestamp.isascii() and timestamp.isdigit())
    ):
        return False
    if abs(now - int(timestamp)) > tolerance_s:
        return False
    expected = sign_callback(secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), signature.encode())
