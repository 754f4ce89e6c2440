"""schemathesis against the service's own `/openapi.json`, over a real socket: for every
operation, requests that fit the document and requests that break it. With a valid token no
answer is a 5xx and every answer is one the document declares, in status, content type,
headers and body. Without a token, every `/v1` answer is a 401.

Examples per operation are few and derandomized, so the run is quick and repeatable; a long
run belongs in bench/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from landingzone.main import create_app
from tests.support.in_process import InProcessService, in_process_service, listening
from tests.support.sandbox import request_body

EXAMPLES = 15  # per operation and generation mode
pytestmark = [
    pytest.mark.slow,  # a minute or two: `make test` runs it, `make check` leaves it out
    # schemathesis's own strategies draw from `random`; that is theirs to change.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
DOCUMENT = create_app().openapi()
OPERATIONS = sorted(
    (method.upper(), path) for path, methods in DOCUMENT["paths"].items() for method in methods
)
QUICK = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # a failure is reported as found, not shrunk
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessService]:
    with in_process_service(tmp_path_factory.mktemp("schemathesis")) as running:
        yield running


@pytest.fixture(scope="module")
def base_url(service: InProcessService) -> Iterator[str]:
    with listening(service.app) as url:
        yield url


@pytest.fixture(scope="module")
def api_schema(service: InProcessService, base_url: str) -> Any:
    # A landing zone that exists, so ids drawn from the examples meet a real one too.
    created = service.client.post(
        "/v1/landing-zones", json=request_body("fuzzed", tenant="retail"), headers=service.auth
    )
    assert created.status_code in (200, 202), created.text
    return schemathesis.openapi.from_url(f"{base_url}/openapi.json")


def run(strategy: st.SearchStrategy[Case[Any]], test: Any, mode: GenerationMode) -> None:
    try:
        QUICK(given(case=strategy)(test))()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        pytest.skip("the operation takes nothing that could be broken")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_with_a_token_every_answer_is_declared_and_none_is_a_server_error(
    api_schema: Any,
    service: InProcessService,
    base_url: str,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = api_schema[path][method]

    def call(case: Case[Any]) -> None:
        case.call_and_validate(base_url=base_url, headers=service.auth, checks=CHECKS)

    run(operation.as_strategy(generation_mode=mode), call, mode)


def _without_token_cases() -> list[Any]:
    cases = []
    for method, path in OPERATIONS:
        if not path.startswith("/v1/"):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            cases.append(pytest.param(method, path, mode))
    return cases


@pytest.mark.parametrize(("method", "path", "mode"), _without_token_cases())
def test_without_a_token_every_v1_answer_is_a_401(
    api_schema: Any, base_url: str, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]

    def call(case: Case[Any]) -> None:
        case.headers.pop("Authorization", None)
        response = case.call(base_url=base_url)
        assert response.status_code == 401, (case.as_curl_command(), response.text)

    run(operation.as_strategy(generation_mode=mode), call, mode)


@pytest.mark.parametrize(
    ("method", "path", "content"),
    [
        ("POST", "/v1/landing-zones", b"{not json"),
        ("POST", "/v1/landing-zones", b"x" * 100_000),
        ("DELETE", "/v1/landing-zones", b""),
        ("PUT", "/v1/classes", b"{}"),
    ],
    ids=["malformed-body", "oversized-body", "undeclared-delete", "undeclared-put"],
)
def test_without_a_token_even_a_malformed_request_is_a_401(
    base_url: str, method: str, path: str, content: bytes
) -> None:
    answer = httpx.request(
        method,
        f"{base_url}{path}",
        content=content,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 401, answer.text
