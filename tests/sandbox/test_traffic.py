"""The simulators' traffic counters: what a benchmark reads to count a landing zone's requests
per system and the peak of concurrent calls."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from landingzone_sandbox.faults import FaultInjector
from landingzone_sandbox.mailbox import Mailbox, MailboxSettings
from landingzone_sandbox.serving import serving
from landingzone_sandbox.traffic import TrafficMeter
from tests.support.sandbox import wait_for


def _held_app(release: asyncio.Event) -> Starlette:
    async def held(request: Request) -> Response:
        await release.wait()
        return JSONResponse({"held": True})

    async def item(request: Request) -> Response:
        return JSONResponse({"id": request.path_params["id"]}, status_code=201)

    return Starlette(routes=[Route("/held", held), Route("/items/{id}", item, methods=["POST"])])


def _client(app: TrafficMeter) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim")


def test_every_request_is_logged_with_its_status_and_credentials_masked() -> None:
    async def scenario() -> dict[str, object]:
        meter = TrafficMeter(FaultInjector(_held_app(asyncio.Event())))
        async with _client(meter) as client:
            await client.post(
                "/items/7",
                params={"token": "s3cret-value", "tree": "name"},
                headers={"User-Agent": "python-requests/2.32"},
            )
            await client.get("/_sandbox/faults")  # a control: never counted
            await client.get("/missing")
            return (await client.get("/_sandbox/traffic")).json()  # type: ignore[no-any-return]

    shown = asyncio.run(scenario())
    assert shown["requests"] == 2 and shown["in_flight"] == 0
    log = shown["log"]
    assert isinstance(log, list)
    assert [(e["method"], e["target"], e["status"]) for e in log] == [
        ("POST", "/items/7?token=%2A%2A%2A&tree=name", 201),
        ("GET", "/missing", 404),
    ]
    assert log[0]["agent"] == "python-requests/2.32"
    assert all(e["started"] <= e["ended"] for e in log)


def test_the_peak_counts_requests_in_flight_together_and_a_reset_starts_it_again() -> None:
    async def scenario() -> tuple[dict[str, object], dict[str, object], dict[str, object]]:
        release = asyncio.Event()
        meter = TrafficMeter(_held_app(release))
        async with _client(meter) as client:
            held = [asyncio.create_task(client.get("/held")) for _ in range(3)]
            while meter.traffic.describe()["in_flight"] != 3:
                await asyncio.sleep(0.01)
            during = (await client.get("/_sandbox/traffic")).json()
            release.set()
            await asyncio.gather(*held)
            after = (await client.get("/_sandbox/traffic", params={"since": 2})).json()
            assert (await client.delete("/_sandbox/traffic")).status_code == 204
            await client.post("/items/1")
            reset = (await client.get("/_sandbox/traffic")).json()
        return during, after, reset

    during, after, reset = asyncio.run(scenario())
    assert during["in_flight"] == 3 and during["peak"] == 3 and during["log"] == []
    assert after["in_flight"] == 0 and after["peak"] == 3
    assert [e["seq"] for e in after["log"]] == [3]  # type: ignore[attr-defined]
    assert reset["peak"] == 1 and reset["requests"] == 4
    assert [e["target"] for e in reset["log"]] == ["/items/1"]  # type: ignore[attr-defined]


def test_the_mailbox_counts_smtp_sessions_on_its_http_side(tmp_path: Path) -> None:
    mailbox = Mailbox(MailboxSettings(data_dir=tmp_path)).start()
    try:
        with serving(mailbox.app) as server:
            # The server's own start-up check is a session too; count from when it is over.
            traffic = mailbox.smtp.traffic
            wait_for(lambda: traffic.describe()["in_flight"] == 0, "the start-up check")
            before = int(str(traffic.describe()["requests"]))
            for subject in ("one", "two"):
                message = EmailMessage()
                message["From"] = "landing-zone@example.com"
                message["To"] = "dev@example.com"
                message["Subject"] = subject
                message.set_content("ready")
                with smtplib.SMTP(mailbox.smtp.host, mailbox.smtp.port, timeout=10) as smtp:
                    smtp.send_message(message)
            httpx.get(f"{server.url}/api/v1/messages", timeout=10).raise_for_status()
            since = {"since": before}
            shown = httpx.get(f"{server.url}/_sandbox/traffic", params=since, timeout=10).json()
    finally:
        mailbox.stop()
    assert shown["requests"] == before + 2 and shown["peak"] == 1
    assert [(e["method"], e["target"]) for e in shown["log"]] == [("SMTP", "session")] * 2
