"""schemathesis against a running sandbox for longer than a test may take: every operation of
its `/openapi.json`, examples that fit the document and examples that break it, with the
sandbox's token (no 5xx, every answer as declared) and without one (only 401s on `/v1`).

    .venv/bin/python bench/fuzz.py [--examples 200] [--seed 0]

Prints, per check, the requests made and the failures found (each failure's curl command).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.support.sandbox import running_sandbox

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def campaign(url: str, token: str, examples: int, chosen_seed: int) -> dict[str, Any]:
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    requests: Counter[str] = Counter()
    failures: Counter[str] = Counter()  # kind of failure and operation: how often
    examples_of: dict[str, str] = {}  # one curl command per kind of failure
    auth = {"Authorization": f"Bearer {token}"}

    def failed(kind: str, case: Case[Any]) -> None:
        key = f"{kind}: {case.operation.method.upper()} {case.operation.path}"
        failures[key] += 1
        examples_of.setdefault(key, case.as_curl_command())

    def with_token(case: Case[Any]) -> None:
        requests["with a token"] += 1
        try:
            case.call_and_validate(base_url=url, headers=auth, checks=CHECKS)
        except Exception as failure:
            failed(type(failure).__name__, case)

    def without_token(case: Case[Any]) -> None:
        requests["without a token"] += 1
        case.headers.pop("Authorization", None)
        answer = case.call(base_url=url)
        if case.operation.path.startswith("/v1/") and answer.status_code != 401:
            failed(f"{answer.status_code} without a token", case)

    for path, methods in schema.raw_schema["paths"].items():
        for method in methods:
            operation = schema[path][method.upper()]
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                for test in (with_token, without_token):
                    cases = operation.as_strategy(generation_mode=mode)
                    run = settings(
                        max_examples=examples,
                        deadline=None,
                        database=None,
                        phases=[Phase.generate],
                        suppress_health_check=list(HealthCheck),
                    )(seed(chosen_seed)(given(case=cases)(test)))
                    try:
                        run()
                    except Unsatisfiable:
                        requests["operations with nothing to break"] += 1
    return {"requests": dict(requests), "failures": failures, "examples": examples_of}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=200, help="per operation, mode and check")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, running_sandbox(Path(scratch)) as sandbox:
        started = time.perf_counter()
        found = campaign(
            sandbox.api_url, sandbox.description["api"]["token"], args.examples, args.seed
        )
        took = time.perf_counter() - started
    print(f"schemathesis against the sandbox for {took:.0f} s: {found['requests']}")
    print(f"{sum(found['failures'].values())} failures")
    for kind, count in sorted(found["failures"].items()):
        print(f"  {count:5d}  {kind}\n         {found['examples'][kind]}")


if __name__ == "__main__":
    main()
