"""An ASGI wrapper that answers chosen requests as an overloaded server does: 429 or 503
with a `Retry-After` header, in front of a simulator."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass
class Refusal:
    path: str  # a regular expression searched in the request path
    status: int
    retry_after: str | None
    method: str = "*"
    times: int = 1


class Throttle:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.refusals: list[Refusal] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self._take(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        body = b'{"errors":[{"message":"Too busy, come back later"}]}'
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if refusal.retry_after is not None:
            headers.append((b"retry-after", refusal.retry_after.encode()))
        await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _take(self, scope: Scope) -> Refusal | None:
        for refusal in self.refusals:
            wanted = refusal.times > 0 and refusal.method in ("*", scope["method"])
            if wanted and re.search(refusal.path, scope["path"]):
                refusal.times -= 1
                return refusal
        return None
