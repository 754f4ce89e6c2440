"""An OAuth identity provider's signing side, on loopback: its JWKS served over HTTP by a
threading server, and access tokens (client credentials) signed with its keys.

Keys are made with `cryptography`; tokens are signed with PyJWT, except the forgeries a real
client library refuses to make (`alg: none`, HS256 keyed with the public key), which are put
together by hand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://idp.example.test/oauth2/default"
AUDIENCE = "api://landing-zone"
JWKS_PATH = "/oauth2/default/v1/keys"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str  # RS256 or ES256
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def rsa(cls) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(f"rsa-{secrets.token_hex(4)}", "RS256", key)

    @classmethod
    def ec(cls) -> SigningKey:
        return cls(f"ec-{secrets.token_hex(4)}", "ES256", ec.generate_private_key(ec.SECP256R1()))

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            published = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            published = ECAlgorithm.to_jwk(public, as_dict=True)
        return {**published, "kid": self.kid, "use": "sig", "alg": self.algorithm}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def claims(
    client_id: str, scope: str | None, lifetime: float = 300, **changes: Any
) -> dict[str, Any]:
    """What the provider puts in a client-credentials access token; `changes` override."""
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": client_id,
        "azp": client_id,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": int(now + lifetime),
        "jti": secrets.token_hex(8),
        **changes,
    }


def sign(key: SigningKey, payload: dict[str, Any], kid: str | None = None) -> str:
    return jwt.encode(
        {k: v for k, v in payload.items() if v is not None},
        key.private,
        algorithm=key.algorithm,
        headers={"kid": kid or key.kid},
    )


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{_segment(json.dumps(header).encode())}.{_segment(json.dumps(payload).encode())}"


def forged_without_signature(kid: str, payload: dict[str, Any]) -> str:
    return _unsigned({"alg": "none", "typ": "JWT", "kid": kid}, payload) + "."


def forged_with_public_key_as_hmac_secret(key: SigningKey, payload: dict[str, Any]) -> str:
    """The classic confusion: HS256, keyed with the provider's public key (which anyone has)."""
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": key.kid}, payload)
    mac = hmac.new(key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_segment(mac)}"


@dataclass
class IdentityProvider:
    """The JWKS endpoint: publishes `keys`; answers 503 while `down`; counts its fetches."""

    url: str = ""
    keys: list[SigningKey] = field(default_factory=list)
    down: bool = False
    fetches: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, *keys: SigningKey) -> None:
        with self._lock:
            self.keys = list(keys)

    def document(self) -> bytes:
        with self._lock:
            self.fetches += 1
            return json.dumps({"keys": [key.jwk() for key in self.keys]}).encode()


@contextmanager
def identity_provider(*keys: SigningKey) -> Iterator[IdentityProvider]:
    provider = IdentityProvider(keys=list(keys))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != JWKS_PATH:
                self.send_error(404)
                return
            if provider.down:
                self.send_error(503)
                return
            body = provider.document()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}{JWKS_PATH}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
