"""Secrets at rest as Jenkins keeps them: `{base64}` sealed with the instance's own key.

The layout follows Jenkins' `Secret` (a version byte, the IV length, the data length, the IV,
the data), so a sealed value looks like `{AQAAABAAAA…}`. The cipher is a SHA-256 keystream
with an HMAC tag, standard library only: enough that no secret is stored in the clear.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

_VERSION = b"\x01"
_IV_BYTES = 16
_TAG_BYTES = 16


def seal(key: bytes, plain: str) -> str:
    iv = secrets.token_bytes(_IV_BYTES)
    encoded = plain.encode("utf-8")
    data = _xor(encoded, _keystream(key, iv, len(encoded)))
    tag = hmac.new(key, iv + data, hashlib.sha256).digest()[:_TAG_BYTES]
    body = data + tag
    header = _VERSION + _IV_BYTES.to_bytes(4, "big") + len(body).to_bytes(4, "big")
    return "{" + base64.b64encode(header + iv + body).decode("ascii") + "}"


def unseal(key: bytes, sealed: str) -> str | None:
    """The plain text, or None if `sealed` is not a value sealed with `key`."""
    if not (sealed.startswith("{") and sealed.endswith("}")):
        return None
    try:
        raw = base64.b64decode(sealed[1:-1], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 9 or raw[:1] != _VERSION:
        return None
    iv_length, body_length = int.from_bytes(raw[1:5], "big"), int.from_bytes(raw[5:9], "big")
    iv, body = raw[9 : 9 + iv_length], raw[9 + iv_length :]
    if iv_length != _IV_BYTES or len(body) != body_length or body_length < _TAG_BYTES:
        return None
    data, tag = body[:-_TAG_BYTES], body[-_TAG_BYTES:]
    expected = hmac.new(key, iv + data, hashlib.sha256).digest()[:_TAG_BYTES]
    if not hmac.compare_digest(tag, expected):
        return None
    try:
        return _xor(data, _keystream(key, iv, len(data))).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _keystream(key: bytes, iv: bytes, length: int) -> bytes:
    blocks = (length + 31) // 32
    return b"".join(
        hashlib.sha256(key + iv + index.to_bytes(4, "big")).digest() for index in range(blocks)
    )[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))
