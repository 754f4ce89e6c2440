"""How the ServiceNow desk reports a misbehaving or unreachable ServiceNow."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request, Response
from pydantic import SecretStr

from landingzone.integrations.base import PermanentError, TransientError
from landingzone.integrations.servicenow import CatalogApprovalDesk, ServiceNowSettings
from tests.support.simulators import ServiceNowSimSettings, free_port, serving
from tests.support.simulators import servicenow_app as create_app

PASSWORD = "very-secret-password"
SYS_ID = "a" * 32


def _desk(port: int, password: str = PASSWORD, timeout_s: float = 5.0) -> CatalogApprovalDesk:
    config = ServiceNowSettings(
        host=f"127.0.0.1:{port}",
        use_ssl=False,
        username="landingzone",
        password=SecretStr(password),
    )
    return CatalogApprovalDesk(config, timeout_s=timeout_s)


def _answering(status: int, delay_s: float = 0.0) -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PATCH", "PUT"])
    async def anything(path: str, request: Request) -> Response:
        await asyncio.sleep(delay_s)
        body = b'{"error":{"message":"Instance unavailable","detail":null},"status":"failure"}'
        return Response(body, status_code=status, media_type="application/json")

    return app


@pytest.fixture
def sandbox_port(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    settings = ServiceNowSimSettings(
        data_dir=tmp_path, base_url=f"http://127.0.0.1:{port}", users={"landingzone": PASSWORD}
    )
    with serving(create_app(settings), port=port):
        yield port


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_throttling_are_transient(status: int) -> None:
    with serving(_answering(status)) as server, pytest.raises(TransientError) as error:
        _desk(server.port).get_request(SYS_ID)
    assert error.value.system == "servicenow"
    assert str(status) in str(error.value)


def test_a_refused_connection_is_transient() -> None:
    with pytest.raises(TransientError):
        _desk(free_port()).add_work_note(SYS_ID, "note")


def test_a_slow_answer_times_out_as_transient() -> None:
    with serving(_answering(200, delay_s=1.0)) as server, pytest.raises(TransientError):
        _desk(server.port, timeout_s=0.2).get_request(SYS_ID)


def test_bad_credentials_are_permanent_and_never_echo_the_password(sandbox_port: int) -> None:
    wrong = "wrong-password-xyz"
    with pytest.raises(PermanentError) as error:
        _desk(sandbox_port, password=wrong).get_request(SYS_ID)
    assert "401" in str(error.value)
    assert wrong not in str(error.value) and wrong not in repr(error.value)
    assert PASSWORD not in repr(_desk(sandbox_port)._config)


def test_a_validation_error_is_permanent() -> None:
    with serving(_answering(400)) as server, pytest.raises(PermanentError) as error:
        _desk(server.port).close_request(SYS_ID, succeeded=True, note="done")
    assert "Instance unavailable" in str(error.value)
