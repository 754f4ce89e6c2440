"""Values a caller can send that once answered 500 or slipped past validation: integers beyond
what the database holds, lone surrogates, a newline after a pattern's last character, a float
for an integer. Each is a 422 naming the field, and the connection keeps serving.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.in_process import InProcessService, in_process_service, listening
from tests.support.sandbox import request_body

MAX_EVENT_SEQ = 2**31 - 1  # event numbers are PostgreSQL INTEGERs


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessService]:
    with in_process_service(tmp_path_factory.mktemp("bounds")) as running:
        yield running


@pytest.fixture(scope="module")
def landing_zone(service: InProcessService) -> str:
    answer = service.client.post(
        "/v1/landing-zones", json=request_body("bounded", tenant="retail"), headers=service.auth
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def raw_post(service: InProcessService, path: str, body: dict[str, Any]) -> httpx.Response:
    """`body` as JSON text, lone surrogates escaped as `\\udfff` (which JSON allows)."""
    headers = {**service.auth, "Content-Type": "application/json"}
    answer: httpx.Response = service.client.post(path, content=json.dumps(body), headers=headers)
    return answer


def problems_at(answer: httpx.Response, *loc: str) -> list[dict[str, Any]]:
    detail: list[dict[str, Any]] = answer.json()["detail"]
    return [p for p in detail if tuple(p["loc"][: len(loc)]) == loc]


# ---------------------------------------------------------------- integers


@pytest.mark.parametrize("after", [str(MAX_EVENT_SEQ + 1), "10000000000000000000", "-1", "1e3"])
def test_an_event_number_beyond_the_database_is_a_422_on_after(
    service: InProcessService, landing_zone: str, after: str
) -> None:
    for path in (f"/v1/landing-zones/{landing_zone}/events", "/v1/landing-zones/x/events/stream"):
        answer = service.client.get(path, params={"after": after}, headers=service.auth)
        assert answer.status_code == 422, answer.text
        assert problems_at(answer, "query", "after"), answer.json()


def test_the_largest_event_number_is_answered(service: InProcessService, landing_zone: str) -> None:
    answer = service.client.get(
        f"/v1/landing-zones/{landing_zone}/events",
        params={"after": MAX_EVENT_SEQ},
        headers=service.auth,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["events"] == []


def test_a_last_event_id_beyond_the_database_is_a_422_on_the_header(
    service: InProcessService, landing_zone: str
) -> None:
    answer = service.client.get(
        f"/v1/landing-zones/{landing_zone}/events/stream",
        headers={**service.auth, "Last-Event-ID": "10000000000000000000"},
    )
    assert answer.status_code == 422, answer.text
    assert problems_at(answer, "header", "Last-Event-ID")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/landing-zones", {"limit": "10000000000000000000"}, "limit"),
        ("/v1/rollouts", {"limit": "10000000000000000000"}, "limit"),
        ("/v1/promotions/p/x", {}, ""),
        ("/v1/landing-zones", {"owner": "group:default/payments\n"}, "owner"),
        ("/v1/landing-zones", {"tenant": "x" * 300}, "tenant"),
    ],
)
def test_other_query_parameters_are_bounded(
    service: InProcessService, path: str, params: dict[str, str], field: str
) -> None:
    answer = service.client.get(path, params=params, headers=service.auth)
    assert answer.status_code < 500, answer.text
    if field:
        assert answer.status_code == 422, answer.text
        assert problems_at(answer, "query", field)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"wave_size": 10.0}, "wave_size"),
        ({"wave_size": True}, "wave_size"),
        ({"wave_size": "10"}, "wave_size"),
        ({"wave_size": 10**30}, "wave_size"),
        ({"max_failure_rate": True}, "max_failure_rate"),
        ({"wave_timeout_hours": "24"}, "wave_timeout_hours"),
    ],
)
def test_rollout_numbers_take_exact_json_types(
    service: InProcessService, change: dict[str, Any], field: str
) -> None:
    answer = raw_post(service, "/v1/classes/java/rollouts", change)
    assert answer.status_code == 422, answer.text
    assert problems_at(answer, "body", field)


# ---------------------------------------------------------------- lone surrogates


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"parameters": {"\udfff": 1}}, ("body", "parameters")),
        ({"parameters": {"groupId": "com.\udfffexample"}}, ("body", "parameters", "groupId")),
        ({"parameters": {"groupId": ["\udfff"]}}, ("body", "parameters", "groupId")),
        ({"description": "A \ud800 surrogate"}, ("body", "description")),
        ({"requester": {"name": "Jane \udfff", "email": "j@example.com"}}, ("body", "requester")),
        ({"system": "\udfff"}, ("body", "system")),
        ({"\udfff": "x"}, ("body",)),
    ],
)
@pytest.mark.parametrize("path", ["/v1/landing-zones", "/v1/landing-zones:preview"])
def test_a_lone_surrogate_anywhere_is_a_422_naming_the_field(
    service: InProcessService, change: dict[str, Any], loc: tuple[str, ...], path: str
) -> None:
    body = {**request_body("surrogate", tenant="retail"), **change}
    answer = raw_post(service, path, body)
    assert answer.status_code == 422, answer.text
    assert problems_at(answer, *loc), answer.json()
    answer.content.decode("utf-8")  # the error document is text, whatever the request held


def test_a_surrogate_in_a_parameter_name_is_named_in_the_answer_as_an_escape(
    service: InProcessService,
) -> None:
    body = {**request_body("surrogate", tenant="retail"), "parameters": {"\udfff": 1}}
    answer = raw_post(service, "/v1/landing-zones:preview", body)
    assert answer.status_code == 422
    assert ["body", "parameters", "\\udfff"] in [p["loc"] for p in answer.json()["detail"]]


def _exchange(connection: socket.socket, request: bytes) -> bytes:
    connection.sendall(request)
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, _, rest = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        chunk = connection.recv(65536)
        assert chunk, "the connection closed mid-answer"
        rest += chunk
    return head + b"\r\n\r\n" + rest


def test_over_a_real_socket_the_same_connection_answers_the_next_request(
    service: InProcessService,
) -> None:
    body = json.dumps({**request_body("socket", tenant="retail"), "parameters": {"\udfff": 1}})
    token = service.token.encode()
    with listening(service.app) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as c:
            c.settimeout(10)
            first = _exchange(
                c,
                b"POST /v1/landing-zones:preview HTTP/1.1\r\nHost: lz\r\n"
                b"Authorization: Bearer " + token + b"\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body.encode(),
            )
            assert first.startswith(b"HTTP/1.1 422"), first[:200]
            second = _exchange(c, b"GET /healthz HTTP/1.1\r\nHost: lz\r\n\r\n")
            assert second.startswith(b"HTTP/1.1 200"), second[:200]


# ---------------------------------------------------------------- whole-value patterns, exact types


@pytest.mark.parametrize(
    ("class_id", "parameters", "field"),
    [
        ("java", {"groupId": "com.example\n"}, "groupId"),
        ("backend", {"apiPrefix": "/api\n"}, "apiPrefix"),
        ("web", {"basePath": "/app/\n"}, "basePath"),
        ("java", {"javaVersion": 21.0}, "javaVersion"),
        ("java", {"javaVersion": "21"}, "javaVersion"),
        ("java", {"javaVersion": True}, "javaVersion"),
        ("backend", {"pythonVersion": 3.12}, "pythonVersion"),
        ("web", {"nodeVersion": 24}, "nodeVersion"),
        ("mobile", {"platforms": ["android\n"]}, "platforms"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/landing-zones", "/v1/landing-zones:preview"])
def test_parameters_match_their_pattern_and_type_exactly(
    service: InProcessService, class_id: str, parameters: dict[str, Any], field: str, path: str
) -> None:
    body = request_body(f"exact-{class_id}", tenant="retail", class_id=class_id)
    answer = service.client.post(
        path, json={**body, "parameters": parameters}, headers=service.auth
    )
    assert answer.status_code == 422, answer.text
    assert problems_at(answer, "body", "parameters", field), answer.json()


@pytest.mark.parametrize(
    "change",
    [
        {"name": "payments-api\n"},
        {"class": "java\n"},
        {"owner": "group:default/payments\n"},
        {"tenant": "retail\n"},
        {"system": "payments\n"},
        {"on_behalf_of": "user:default/jane.doe\n"},
    ],
)
def test_a_final_newline_after_a_field_pattern_is_refused(
    service: InProcessService, change: dict[str, str]
) -> None:
    body = {**request_body("newline", tenant="retail"), **change}
    answer = service.client.post("/v1/landing-zones:preview", json=body, headers=service.auth)
    assert answer.status_code == 422, answer.text
    [field] = change
    assert problems_at(answer, "body", field), answer.json()


def test_valid_parameters_of_exact_types_are_accepted(service: InProcessService) -> None:
    body = {
        **request_body("exact-ok", tenant="retail"),
        "parameters": {"javaVersion": 17, "groupId": "com.bank.cards"},
    }
    answer = service.client.post("/v1/landing-zones:preview", json=body, headers=service.auth)
    assert answer.status_code == 200, answer.text
    assert any(f.startswith("src/main/java/com/bank/cards/") for f in answer.json()["files"])


# ---------------------------------------------------------------- unreadable bodies


def test_a_key_given_twice_is_a_422_naming_it_and_creates_nothing(
    service: InProcessService,
) -> None:
    text = json.dumps(request_body("twice-named", tenant="retail"))
    body = text[:-1] + ', "name": "other-name", "requester": {"name": "A", "name": "B"}}'
    headers = {**service.auth, "Content-Type": "application/json"}
    answer = service.client.post("/v1/landing-zones", content=body, headers=headers)
    assert answer.status_code == 422, answer.text
    assert {tuple(p["loc"]) for p in answer.json()["detail"]} == {
        ("body", "name"),
        ("body", "requester"),
        ("body", "requester", "name"),
    }
    listed = service.client.get("/v1/landing-zones", headers=service.auth).json()["items"]
    assert not {"twice-named", "other-name"} & {item["name"] for item in listed}


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "\xff\xfe"}',
        b'{"parameters": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
    ids=["not-utf-8", "nested-5000-deep"],
)
def test_a_body_the_parser_cannot_read_is_a_422_on_the_body(
    service: InProcessService, body: bytes
) -> None:
    headers = {**service.auth, "Content-Type": "application/json"}
    answer = service.client.post("/v1/landing-zones", content=body, headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["body"]


def test_parameters_nested_deeper_than_any_class_uses_are_refused(
    service: InProcessService,
) -> None:
    deep: Any = "leaf"
    for _ in range(40):
        deep = [deep]
    body = {**request_body("deep-one", tenant="retail"), "parameters": {"groupId": deep}}
    answer = service.client.post("/v1/landing-zones:preview", json=body, headers=service.auth)
    assert answer.status_code == 422
    assert problems_at(answer, "body", "parameters", "groupId")
