"""The API entity in catalog-info/ shows the API the service really serves."""

from __future__ import annotations

import json
from pathlib import Path

from landingzone.main import create_app

ROOT = Path(__file__).resolve().parents[1]


def test_catalog_openapi_document_is_current() -> None:
    committed = json.loads((ROOT / "catalog-info" / "openapi.json").read_text())
    served = create_app().openapi()
    assert committed == served, "run: landingzone openapi --out catalog-info/openapi.json"


def test_every_v1_operation_declares_bearer_auth_except_the_signed_callback() -> None:
    paths = create_app().openapi()["paths"]
    for path, operations in paths.items():
        if not path.startswith("/v1/") or path.startswith("/v1/approvals/"):
            continue
        for operation in operations.values():
            assert operation.get("security"), f"{path} has no security requirement"
