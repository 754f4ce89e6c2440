"""Git smart HTTP at `/scm/{key}/{slug}.git/...`, served by `git http-backend` as a CGI.

The request body is streamed into the CGI while its output is buffered, then the output is
streamed back; the body is consumed in full before the response starts, as ASGI servers
may drop request chunks that arrive once a response is under way. After a push the refs
are compared with a snapshot taken before it and `repo:refs_changed` webhooks go out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from .context import Simulator, simulator
from .directory import User
from .errors import AUTH_REALM

log = logging.getLogger(__name__)
router = APIRouter()

SERVICES = ("git-upload-pack", "git-receive-pack")
_HIDDEN_HEADERS = frozenset({"authorization", "cookie", "content-type", "content-length"})


class CgiProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self._output: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._pending = b""
        self._pump = asyncio.create_task(self._read_stdout())
        self._errors = asyncio.create_task(self._read_stderr())

    @classmethod
    async def start(cls, env: dict[str, str], body: AsyncIterator[bytes]) -> CgiProcess:
        process = await asyncio.create_subprocess_exec(
            "git",
            "http-backend",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        cgi = cls(process)
        try:
            await cgi._feed(body)
        except BaseException:
            await cgi.close()
            raise
        return cgi

    async def _feed(self, body: AsyncIterator[bytes]) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            async for chunk in body:
                if chunk:
                    stdin.write(chunk)
                    await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            log.debug("git http-backend stopped reading its input early")
        finally:
            stdin.close()

    async def _read_stdout(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        while chunk := await stdout.read(65536):
            await self._output.put(chunk)
        await self._output.put(None)

    async def _read_stderr(self) -> bytes:
        stderr = self._process.stderr
        assert stderr is not None
        return await stderr.read()

    async def headers(self) -> tuple[int, dict[str, str]]:
        """Status and headers from the CGI's header block."""
        buffer = b""
        while b"\r\n\r\n" not in buffer and b"\n\n" not in buffer:
            chunk = await self._output.get()
            if chunk is None:
                break
            buffer += chunk
        separator = b"\r\n\r\n" if b"\r\n\r\n" in buffer else b"\n\n"
        if separator not in buffer:
            self._pending = b""
            return 500, {"Content-Type": "text/plain"}
        head, _, self._pending = buffer.partition(separator)
        status, headers = 200, {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers[name.strip()] = value.strip()
        return status, headers

    async def body(self) -> AsyncIterator[bytes]:
        if self._pending:
            yield self._pending
        while (chunk := await self._output.get()) is not None:
            yield chunk

    async def close(self) -> None:
        if self._process.returncode is None and not self._pump.done():
            self._pump.cancel()
            self._process.kill()
        await self._process.wait()
        errors = await self._errors
        if self._process.returncode not in (0, None) and errors:
            log.warning("git http-backend: %s", errors.decode("utf-8", "replace").strip())


class CgiResponse(StreamingResponse):
    """Streams the CGI output; `on_close` runs however the response ends."""

    def __init__(
        self,
        cgi: CgiProcess,
        status: int,
        headers: dict[str, str],
        on_close: Callable[[], Awaitable[None]],
    ) -> None:
        super().__init__(cgi.body(), status_code=status, headers=headers)
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._on_close()


def _cgi_environment(
    sim: Simulator, request: Request, repository_id: int, rest: str, user: User
) -> dict[str, str]:
    env = dict(sim.git.env)
    env.update(
        GIT_PROJECT_ROOT=str(sim.git.root),
        GIT_HTTP_EXPORT_ALL="1",
        GATEWAY_INTERFACE="CGI/1.1",
        SERVER_PROTOCOL=f"HTTP/{request.scope.get('http_version', '1.1')}",
        REQUEST_METHOD=request.method,
        PATH_INFO=f"/{repository_id}.git/{rest}",
        QUERY_STRING=request.url.query,
        REMOTE_USER=user.name,
        REMOTE_ADDR=request.client.host if request.client else "127.0.0.1",
        CONTENT_TYPE=request.headers.get("content-type", ""),
    )
    if "content-length" in request.headers:
        env["CONTENT_LENGTH"] = request.headers["content-length"]
    for name, value in request.headers.items():
        if name.lower() not in _HIDDEN_HEADERS:
            env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def _unauthorized() -> Response:
    return PlainTextResponse(
        "Authentication required", status_code=401, headers={"WWW-Authenticate": AUTH_REALM}
    )


@router.api_route("/scm/{key}/{repo}/{rest:path}", methods=["GET", "POST"], response_model=None)
async def smart_http(request: Request, key: str, repo: str, rest: str) -> Response:
    sim = simulator(request)
    user = sim.directory.authenticate(request.headers.get("authorization"))
    if user is None:
        return _unauthorized()
    is_advertisement = request.method == "GET" and rest == "info/refs"
    if is_advertisement:
        if request.query_params.get("service") not in SERVICES:
            return PlainTextResponse("Only the smart HTTP protocol is supported", 403)
    elif request.method != "POST" or rest not in SERVICES:
        return PlainTextResponse("Not found", 404)
    slug = repo.removesuffix(".git")
    with sim.store.read() as state:
        repository = state.repository(key, slug)
    if repository is None:
        return PlainTextResponse(f"Repository {key}/{slug} does not exist.", 404)

    env = _cgi_environment(sim, request, repository.id, rest, user)
    is_push = rest == "git-receive-pack"
    lock = sim.push_lock(repository.id)
    if is_push:
        await lock.acquire()
    try:
        before = await run_in_threadpool(sim.git.refs, repository.id) if is_push else {}
        cgi = await CgiProcess.start(env, request.stream())
    except BaseException:
        if is_push:
            lock.release()
        raise

    async def finish() -> None:
        try:
            await cgi.close()
            if is_push:
                after = await run_in_threadpool(sim.git.refs, repository.id)
                await run_in_threadpool(
                    sim.announce_refs_changed, repository.id, user, before, after
                )
        finally:
            if is_push:
                lock.release()

    try:
        status, headers = await cgi.headers()
    except BaseException:
        await finish()
        raise
    return CgiResponse(cgi, status, headers, finish)
