"""What every answer carries, what the access log keeps, and who may call from a browser."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import uvicorn

from landingzone.cli import SERVER_OPTIONS
from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import request_body, wait_for

PORTAL = "https://portal.example.com"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessService]:
    with in_process_service(tmp_path_factory.mktemp("hardening")) as running:
        yield running


@pytest.fixture(scope="module")
def answers(service: InProcessService) -> dict[str, httpx.Response]:
    """One answer of each kind the service gives: pages, API successes and API errors."""
    client, auth = service.client, service.auth
    created = client.post(
        "/v1/landing-zones", json=request_body("hardened", tenant="retail"), headers=auth
    )
    assert created.status_code in (200, 202), created.text
    lz = created.json()["id"]
    return {
        "dashboard": client.get("/"),
        "script": client.get("/dashboard.js"),
        "style": client.get("/dashboard.css"),
        "health": client.get("/healthz"),
        "metrics": client.get("/metrics"),
        "openapi": client.get("/openapi.json"),
        "created": created,
        "list": client.get("/v1/landing-zones", headers=auth),
        "events": client.get(f"/v1/landing-zones/{lz}/events", headers=auth),
        "stream": client.get("/v1/landing-zones/lz_none/events/stream", headers=auth),
        "unauthorized": client.get("/v1/classes"),
        "not found": client.get("/v1/landing-zones/lz_none", headers=auth),
        "invalid": client.get("/v1/landing-zones", params={"limit": 0}, headers=auth),
        "too large": client.post(
            "/v1/landing-zones", content=b"x" * 100_000, headers={**auth, "Content-Type": "a/b"}
        ),
        "no route": client.get("/v1/nothing", headers=auth),
    }


def test_every_answer_says_nosniff_and_sends_no_referrer(
    answers: dict[str, httpx.Response],
) -> None:
    for kind, answer in answers.items():
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", kind
        assert answer.headers.get("Referrer-Policy") == "no-referrer", kind


def test_api_answers_are_never_cached_and_pages_may_be(
    answers: dict[str, httpx.Response],
) -> None:
    for kind, answer in answers.items():
        if answer.request.url.path.startswith("/v1"):
            assert answer.headers.get("Cache-Control") == "no-store", kind
        else:
            assert "no-store" not in answer.headers.get("Cache-Control", ""), kind


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.inline += [f"{tag}[{name}]" for name, _ in attrs if name.startswith("on")]
        self.inline += [f"{tag}[style]" for name, _ in attrs if name == "style"]
        if tag == "script":
            self.scripts.append(named.get("src") or "")
            self._in = "script"
        if tag == "style":
            self.inline.append("style")
        if tag == "link" and named.get("rel") == "stylesheet":
            self.styles.append(named.get("href") or "")

    def handle_data(self, data: str) -> None:
        if self._in == "script" and data.strip():
            self.inline.append("script")

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def test_the_dashboard_runs_only_its_own_files_under_a_strict_policy(
    service: InProcessService,
) -> None:
    page = service.client.get("/")
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in page.headers["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    markup = _Markup()
    markup.feed(page.text)
    assert markup.inline == []
    assert markup.scripts == ["/dashboard.js"]
    assert markup.styles == ["/dashboard.css"]
    script = service.client.get("/dashboard.js")
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "document.getElementById" in script.text
    style = service.client.get("/dashboard.css")
    assert style.headers["Content-Type"].startswith("text/css")


def test_the_access_log_keeps_method_path_status_and_time_never_the_query(
    service: InProcessService, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "tok3n-in-the-query-" + "q" * 20
    with caplog.at_level(logging.INFO, logger="landingzone.access"):
        service.client.get(f"/v1/landing-zones?access_token={secret}&limit=5")
        service.client.get("/v1/landing-zones/%0d%0aFORGED%20line", headers=service.auth)
    lines = [r.getMessage() for r in caplog.records if r.name == "landingzone.access"]
    assert any(re.fullmatch(r"GET /v1/landing-zones 401 [0-9.]+ms", line) for line in lines), lines
    assert all(secret not in line and "?" not in line for line in lines), lines
    assert all("\r" not in line and "\n" not in line for line in lines), lines
    assert any("%0D%0AFORGED" in line for line in lines), lines


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


def test_served_as_landingzone_serve_it_sends_no_server_header_nor_uvicorns_log(
    service: InProcessService,
) -> None:
    config = uvicorn.Config(service.app, host="127.0.0.1", port=0, lifespan="off", **SERVER_OPTIONS)
    server = uvicorn.Server(config)  # uvicorn's logging is configured by now
    # uvicorn writes its access line when that logger has somewhere to write it.
    assert not logging.getLogger("uvicorn.access").hasHandlers()
    kept = _Kept()
    loggers = [logging.getLogger(name) for name in ("uvicorn", "landingzone")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(kept)
        logger.setLevel(logging.INFO)  # as `landingzone serve` sets them
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, "uvicorn to start", timeout=20)
        port = server.servers[0].sockets[0].getsockname()[1]
        answer = httpx.get(f"http://127.0.0.1:{port}/v1/classes?token=in-the-query-string")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(kept)
            logger.setLevel(level)
    assert answer.status_code == 401
    assert "server" not in answer.headers
    assert any(line.startswith("landingzone.access: GET /v1/classes 401") for line in kept.lines)
    assert all("in-the-query-string" not in line for line in kept.lines), kept.lines


def test_without_configured_origins_no_page_elsewhere_may_call_the_api(
    service: InProcessService,
) -> None:
    preflight = service.client.options(
        "/v1/landing-zones",
        headers={"Origin": PORTAL, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    simple = service.client.get("/v1/classes", headers={**service.auth, "Origin": PORTAL})
    assert "access-control-allow-origin" not in simple.headers


def test_a_configured_origin_may_call_the_api_and_no_other(tmp_path: Path) -> None:
    origins = json.dumps([PORTAL])
    with in_process_service(tmp_path, LZ_CORS_ALLOWED_ORIGINS=origins) as running:
        allowed = running.client.options(
            "/v1/landing-zones",
            headers={
                "Origin": PORTAL,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == PORTAL
        other = running.client.get(
            "/v1/classes", headers={**running.auth, "Origin": "https://evil.example.com"}
        )
        assert "access-control-allow-origin" not in other.headers
        assert other.headers["X-Content-Type-Options"] == "nosniff"
