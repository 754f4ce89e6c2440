"""Raw ASGI answers for the fault injector: JSON, a load balancer's 503, a reset connection."""

from __future__ import annotations

import asyncio
import json
import socket
import struct

from starlette.types import Receive, Send

# HAProxy's own page: what clients of a real Bitbucket, Jenkins or ServiceNow get during
# maintenance, since the load balancer answers, not the application.
_UNAVAILABLE_PAGE = (
    b"<html><body><h1>503 Service Unavailable</h1>\n"
    b"No server is available to handle this request.\n</body></html>\n"
)


async def read_body(receive: Receive) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def answer(
    send: Send, status: int, payload: object, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = b"" if payload is None else json.dumps(payload).encode()
    await answer_bytes(send, status, body, b"application/json", headers)


async def answer_bytes(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    head = [(b"content-length", str(len(body)).encode()), *(headers or [])]
    if body:
        head.append((b"content-type", content_type))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def service_unavailable(send: Send, retry_after: int | None) -> None:
    headers = [(b"cache-control", b"no-cache"), (b"connection", b"close")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await answer_bytes(send, 503, _UNAVAILABLE_PAGE, b"text/html", headers)


async def reset_connection(receive: Receive, send: Send) -> None:
    """Close the client's connection with a TCP reset and not one byte of answer.

    ASGI has no way to do this, so it takes the transport of uvicorn's request cycle, whose
    bound `send` this is, or the one a middleware wrapped (`__wrapped__`, as functools names
    it). Anywhere else (an in-process test client) the request fails instead.
    """
    while hasattr(send, "__wrapped__"):
        send = send.__wrapped__
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if not isinstance(transport, asyncio.Transport):
        raise ConnectionResetError("outage: connection reset by the sandbox")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Linger 0: close() sends RST instead of FIN, as a crashed peer's kernel would.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    # Once uvicorn has seen the disconnect it neither logs nor answers the unanswered request.
    while (await receive())["type"] != "http.disconnect":
        pass
