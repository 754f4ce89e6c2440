"""Headless Chromium driven over the DevTools protocol on a pipe: no extra packages needed."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# The page-side helper every wait goes through: resolves as soon as `check()` holds, re-checking
# on each DOM change; the page's own clock only bounds how long a test can hang.
_WAIT_FOR = """
(check, what, timeoutMs) => new Promise((resolve, reject) => {
  const done = () => {
    const value = check();
    if (value) { observer.disconnect(); resolve(value); }
  };
  const observer = new MutationObserver(done);
  observer.observe(document,
                   { subtree: true, childList: true, characterData: true, attributes: true });
  setTimeout(() => { observer.disconnect(); reject(new Error("timed out waiting for " + what)); },
             timeoutMs);
  done();
})
"""


class BrowserError(RuntimeError):
    """Chromium answered a command with an error, or a page script threw."""


def chromium_binary() -> str | None:
    configured = os.environ.get("LZ_CHROMIUM")
    if configured:
        return configured
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


class Page:
    """One tab. `evaluate` runs an expression in it and returns its (awaited) JSON value."""

    def __init__(self, browser: Browser, target_id: str, session_id: str) -> None:
        self._browser = browser
        self._target = target_id
        self._session = session_id

    def close(self) -> None:
        self._browser.command("Target.closeTarget", {"targetId": self._target})

    def navigate(self, url: str) -> None:
        self._browser.command("Page.enable", session=self._session)
        self._browser.command("Page.navigate", {"url": url}, session=self._session)
        self._browser.until_event("Page.loadEventFired", session=self._session)

    def evaluate(self, expression: str) -> Any:
        result = self._browser.command(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session=self._session,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(details.get("exception", {}).get("description") or str(details))
        return result["result"].get("value")

    def resize(self, width: int, height: int) -> None:
        self._browser.command(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=self._session,
        )

    def screenshot(self, path: os.PathLike[str] | str) -> None:
        """Saves what the tab shows, as a PNG."""
        shot = self._browser.command(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
            session=self._session,
        )  # fmt: skip
        with open(path, "wb") as out:
            out.write(base64.b64decode(shot["data"]))

    def wait_for(self, check: str, what: str, timeout_ms: int = 10_000) -> Any:
        """Waits, inside the page, until the JavaScript expression `check` is truthy."""
        return self.evaluate(f"({_WAIT_FOR})(() => ({check}), {json.dumps(what)}, {timeout_ms})")


class Browser:
    def __init__(self, process: subprocess.Popen[bytes], to_browser: int, from_browser: int):
        self._process = process
        self._out = os.fdopen(to_browser, "wb", buffering=0)
        self._in = os.fdopen(from_browser, "rb", buffering=0)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def _send(self, message: dict[str, Any]) -> None:
        self._out.write(json.dumps(message).encode() + b"\0")

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = self._in.read(65536)
            if not chunk:
                raise BrowserError("chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def command(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._send(message)
        while True:
            reply = self._receive()
            if reply.get("id") != self._next_id:
                if "method" in reply:
                    self._events.append(reply)
                continue
            if "error" in reply:
                raise BrowserError(f"{method}: {reply['error']}")
            result: dict[str, Any] = reply.get("result", {})
            return result

    def until_event(self, method: str, session: str | None = None) -> dict[str, Any]:
        while True:
            for index, event in enumerate(self._events):
                if event["method"] == method and event.get("sessionId") == session:
                    return self._events.pop(index)
            self._events.append(self._receive())

    def new_page(self) -> Page:
        target = self.command("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.command("Target.attachToTarget", {"targetId": target, "flatten": True})
        return Page(self, target, attached["sessionId"])

    def close(self) -> None:
        with suppress(BrowserError, OSError):
            self.command("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._out.close()
        self._in.close()


# Puts the two pipe ends on fds 3 and 4, where `--remote-debugging-pipe` expects them, then
# becomes Chromium. (dash, which /usr/bin/chromium may be, cannot redirect fds above 9.)
_TRAMPOLINE = (
    "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
    "os.execv(sys.argv[3], sys.argv[3:])"
)


def _high_pipe() -> tuple[int, int]:
    """A pipe whose ends are above 4, so that moving them onto 3 and 4 cannot clobber either."""
    ends = []
    for fd in os.pipe():
        ends.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return ends[0], ends[1]


@contextmanager
def headless_chromium(binary: str) -> Iterator[Browser]:
    """Chromium reads commands on fd 3 and writes replies on fd 4 (`--remote-debugging-pipe`)."""
    to_browser_read, to_browser_write = _high_pipe()
    from_browser_read, from_browser_write = _high_pipe()
    with tempfile.TemporaryDirectory(prefix="lz-chromium-") as profile:
        args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        ends = (str(to_browser_read), str(from_browser_write))
        process = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, *ends, binary, *args],
            pass_fds=(to_browser_read, from_browser_write),
            stdout=subprocess.DEVNULL,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        browser = Browser(process, to_browser_write, from_browser_read)
        try:
            yield browser
        finally:
            browser.close()
