"""Outbound approval callbacks, signed and delivered in the background with retries.

They stand for the platform team's own business rule "call the Landing Zone service back when a
requested item's approval is decided" (no stock instance has it; the service polls without it).
The payload's `correlation_id` is the item's `landing_zone_id` variable for an item ordered from
the catalog, its `correlation_id` field for one inserted through the Table API.

Signature: `X-ServiceNow-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>`
with the Unix time in `X-ServiceNow-Timestamp`. A delivery that keeps failing is dropped after
the last attempt; the service's polling fallback still sees the decision.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from collections.abc import Mapping

import httpx

logger = logging.getLogger(__name__)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


class CallbackDispatcher:
    def __init__(
        self,
        url: str,
        secret: str | None,
        *,
        attempts: int = 5,
        first_delay_s: float = 0.5,
        timeout_s: float = 5.0,
    ) -> None:
        self.url = url
        self._secret = secret
        self._attempts = max(1, attempts)
        self._first_delay_s = first_delay_s
        self._timeout_s = timeout_s
        self._queue: queue.Queue[dict[str, str] | None] = queue.Queue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, payload: Mapping[str, str]) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="servicenow-callbacks", daemon=True
                )
                self._thread.start()
        self._queue.put(dict(payload))

    def stop(self) -> None:
        self._stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout_s) as client:
            while True:
                payload = self._queue.get()
                if payload is None or self._stopping.is_set():
                    return
                self._deliver(client, payload)

    def _deliver(self, client: httpx.Client, payload: dict[str, str]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        delay = self._first_delay_s
        for attempt in range(1, self._attempts + 1):
            timestamp = str(int(time.time()))
            headers = {"Content-Type": "application/json", "X-ServiceNow-Timestamp": timestamp}
            if self._secret:
                headers["X-ServiceNow-Signature"] = sign(self._secret, timestamp, body)
            try:
                response = client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as error:
                outcome = type(error).__name__
            else:
                if response.is_success:
                    return
                outcome = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    logger.warning("callback for %s refused: %s", payload["number"], outcome)
                    return
            logger.info(
                "callback for %s attempt %d failed: %s", payload["number"], attempt, outcome
            )
            if attempt < self._attempts and self._stopping.wait(delay):
                return
            delay *= 2
        logger.warning(
            "callback for %s dropped after %d attempts", payload["number"], self._attempts
        )
