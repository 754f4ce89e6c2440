from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa_exc

from landingzone.api.errors import install_database_unavailable_handler


def test_a_database_outage_is_a_503_to_try_again_and_names_no_host() -> None:
    app = FastAPI()
    install_database_unavailable_handler(app)

    @app.get("/pool")
    def exhausted() -> None:
        raise sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached")

    @app.get("/down")
    def down() -> None:
        raise sa_exc.OperationalError("SELECT 1", {}, Exception("db.internal:5432 refused"))

    client = TestClient(app, raise_server_exceptions=False)
    for path in ("/pool", "/down"):
        answer = client.get(path)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "5"
        assert answer.json()["detail"][0]["type"] == "unavailable"
        assert "db.internal" not in answer.text
