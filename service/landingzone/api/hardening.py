"""What every answer carries, and what the access log keeps of each request.

`SecurityHeaders` sets `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` on
every answer (errors from the outermost layers included), and `Cache-Control: no-store` on the
API's, which carry landing zones and tokens' traces nobody should keep in a cache.

`AccessLog` replaces uvicorn's access log, which writes the query string verbatim (a token a
client put there included): one line per request with the method, the path without its query,
the status and the duration.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/v1"
MAX_LOGGED_PATH = 200
# What a path keeps unescaped in the log: never a control character, a space or a quote.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"

access_log = logging.getLogger("landingzone.access")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = _is_api(str(scope.get("path", "")))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if api:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def logged_path(path: str) -> str:
    """`path` as the log shows it: percent-escaped, so no value can forge a line, and bounded."""
    text = quote(path, safe=_PATH_SAFE, errors="backslashreplace")
    return text if len(text) <= MAX_LOGGED_PATH else text[:MAX_LOGGED_PATH] + "…"


Answered = Callable[[Scope, int, float], None]


class AnswerObserver:
    """An ASGI middleware that tells `answered` of each HTTP request once it is answered: the
    request's scope, the status (500 when the app raised before answering) and the seconds."""

    def __init__(self, app: ASGIApp, answered: Answered) -> None:
        self.app = app
        self.answered = answered

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 0

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            self.answered(scope, status or 500, time.perf_counter() - started)


class AccessLog(AnswerObserver):
    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, _log)


def _log(scope: Scope, status: int, seconds: float) -> None:
    access_log.info(
        "%s %s %d %.1fms",
        str(scope.get("method", "?"))[:16],
        logged_path(str(scope.get("path", ""))),
        status,
        seconds * 1000,
    )
