"""Basic auth with API tokens, anonymous read, and the CSRF crumb required on every POST."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from fastapi import Request

from .settings import JenkinsSimSettings

ANONYMOUS = "anonymous"
CRUMB_FIELD = "Jenkins-Crumb"


class JenkinsError(Exception):
    """An error page: status, plain-text message, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class Security:
    def __init__(self, settings: JenkinsSimSettings, crumb_secret: str) -> None:
        self._settings = settings
        self._crumb_key = crumb_secret.encode("ascii")

    def user(self, request: Request) -> str:
        """The authenticated user, or `anonymous`; wrong credentials are a 401."""
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return ANONYMOUS
        try:
            username, _, token = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise JenkinsError(401, "Malformed Basic authorization header") from None
        expected = self._settings.users.get(username)
        if expected is None or not hmac.compare_digest(expected.encode(), token.encode()):
            raise JenkinsError(401, f"Invalid password/token for user: {username}")
        return username

    def reader(self, request: Request) -> str:
        user = self.user(request)
        if user == ANONYMOUS and not self._settings.anonymous_read:
            raise self._forbidden(user, "Authentication required")
        return user

    def writer(self, request: Request) -> str:
        user = self.user(request)
        if user == ANONYMOUS:
            raise self._forbidden(user, "anonymous is missing the Overall/Administer permission")
        presented = request.headers.get(CRUMB_FIELD, "")
        if not hmac.compare_digest(presented.encode(), self.crumb(user).encode()):
            raise self._forbidden(user, "No valid crumb was included in the request")
        return user

    def crumb(self, user: str) -> str:
        return hmac.new(self._crumb_key, user.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _forbidden(user: str, message: str) -> JenkinsError:
        return JenkinsError(403, message, {"X-You-Are-Authenticated-As": user})
