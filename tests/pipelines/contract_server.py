"""The promotion API exactly as the agreed contract states it, served on a thread.

It stands in for the service only until the two meet: `tests/pipelines/test_promote_client.py`
reaches it through one fixture, which then starts the real service instead. Status codes,
bodies and the long poll follow the contract literally; the decision an approver makes in
ServiceNow is `decide()`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ENVIRONMENTS = ("dev", "test", "prod")
MAX_SEVERITY = {"dev": "high", "test": "medium", "prod": "low"}
SEVERITIES = ("critical", "high", "medium", "low")
DECIDED = {"deployed", "succeeded", "failed", "rolled_back", "rejected", "expired"}
OUTCOMES = {"success": "succeeded", "failure": "failed", "rolled_back": "rolled_back"}
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass
class ContractApi:
    tokens: dict[str, str]  # token -> the one landing zone it may promote
    url: str = ""
    promotions: dict[str, dict[str, Any]] = field(default_factory=dict)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    waiting: int = 0  # long polls being held right now
    changed: threading.Condition = field(default_factory=threading.Condition)

    def decide(self, promotion_id: str, status: str, comment: str = "", by: str = "") -> None:
        with self.changed:
            self.promotions[promotion_id].update(status=status, comment=comment, decided_by=by)
            self.changed.notify_all()

    # ------------------------------------------------------------------ the contract

    def create(self, token: str | None, landing_zone: str, body: Any) -> tuple[int, Any]:
        refused = self._authorize(token, landing_zone)
        if refused:
            return refused
        if not isinstance(body, dict):
            return 422, _detail("body", "must be a JSON object")
        digest, environment = body.get("digest"), body.get("environment")
        if not isinstance(digest, str) or not DIGEST.match(digest):
            return 422, _detail("digest", "must be an image digest sha256:<64 hex>, not a tag")
        if environment not in ENVIRONMENTS:
            return 422, _detail("environment", f"must be one of {', '.join(ENVIRONMENTS)}")
        with self.changed:
            for promotion in self.promotions.values():
                same = (promotion["landing_zone_id"], promotion["digest"], promotion["environment"])
                if same == (landing_zone, digest, environment):
                    return 200, promotion
            before = ENVIRONMENTS[: ENVIRONMENTS.index(environment)]
            if before and not self._succeeded(landing_zone, digest, before[-1]):
                return 409, {"detail": f"{digest} must succeed in {before[-1]} first"}
            allowed = SEVERITIES.index(MAX_SEVERITY[environment])
            scan = body.get("scan") or {}
            for severity in SEVERITIES[:allowed]:
                if int(scan.get(severity, 0)) > 0:
                    return 422, _detail(
                        "scan", f"{scan[severity]} {severity} findings; {environment} allows "
                        f"none above {MAX_SEVERITY[environment]}",
                    )  # fmt: skip
            promotion_id = f"pr_{len(self.promotions) + 1:04d}"
            promotion = {
                "id": promotion_id, "landing_zone_id": landing_zone, "environment": environment,
                "digest": digest, "version": body.get("version"),
                "build_url": body.get("build_url"), "scan": scan, "status": "requested",
                "change": None, "previous_digest": None, "commit": None, "decided_by": None,
                "comment": None,
                "links": {"self": f"{self.url}/v1/promotions/{promotion_id}",
                          "outcome": f"{self.url}/v1/promotions/{promotion_id}/outcome"},
            }  # fmt: skip
            self.promotions[promotion_id] = promotion
            return 201, promotion

    def get(self, token: str | None, promotion_id: str, wait_s: float) -> tuple[int, Any]:
        if token is None or token not in self.tokens:
            return 401, {"detail": "a valid bearer token is required"}
        with self.changed:
            promotion = self.promotions.get(promotion_id)
            if promotion is None:
                return 404, {"detail": f"no promotion {promotion_id}"}
            refused = self._authorize(token, promotion["landing_zone_id"])
            if refused:
                return refused
            self.waiting += 1
            self.changed.notify_all()
            self.changed.wait_for(lambda: promotion["status"] in DECIDED, timeout=wait_s)
            self.waiting -= 1
            return 200, dict(promotion)

    def outcome(self, token: str | None, promotion_id: str, body: Any) -> tuple[int, Any]:
        if token is None or token not in self.tokens:
            return 401, {"detail": "a valid bearer token is required"}
        with self.changed:
            promotion = self.promotions.get(promotion_id)
            if promotion is None:
                return 404, {"detail": f"no promotion {promotion_id}"}
            refused = self._authorize(token, promotion["landing_zone_id"])
            if refused:
                return refused
            result = body.get("result") if isinstance(body, dict) else None
            if result not in OUTCOMES:
                return 422, _detail("result", "must be success, failure or rolled_back")
            if promotion["status"] == OUTCOMES[result]:
                return 202, promotion
            if promotion["status"] != "deployed":
                return 409, {"detail": f"promotion {promotion_id} is {promotion['status']}"}
            promotion["status"] = OUTCOMES[result]
            self.outcomes.append(body)
            self.changed.notify_all()
            return 202, promotion

    def _authorize(self, token: str | None, landing_zone: str) -> tuple[int, Any] | None:
        if token is None or token not in self.tokens:
            return 401, {"detail": "a valid bearer token is required"}
        if self.tokens[token] != landing_zone:
            return 403, {"detail": "this credential may not promote that landing zone"}
        return None

    def _succeeded(self, landing_zone: str, digest: str, environment: str) -> bool:
        return any(
            (p["landing_zone_id"], p["digest"], p["environment"], p["status"])
            == (landing_zone, digest, environment, "succeeded")
            for p in self.promotions.values()
        )


def _detail(name: str, message: str) -> dict[str, Any]:
    return {"detail": [{"loc": ["body", name], "msg": message, "type": "value_error"}]}


def _handler(api: ContractApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _token(self) -> str | None:
            scheme, _, value = self.headers.get("Authorization", "").partition(" ")
            return value if scheme == "Bearer" and value else None

        def _reply(self, answer: tuple[int, Any]) -> None:
            status, body = answer
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            found = re.fullmatch(r"/v1/promotions/([^/]+)", parts.path)
            if not found:
                self._reply((404, {"detail": "Not Found"}))
                return
            wait = parse_qs(parts.query).get("wait", ["0"])[0]
            if not wait.isdigit() or int(wait) > 60:
                self._reply((422, _detail("wait", "must be 0..60 seconds")))
                return
            self._reply(api.get(self._token(), found.group(1), float(wait)))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                self._reply((422, _detail("body", "is not JSON")))
                return
            path = urlsplit(self.path).path
            if found := re.fullmatch(r"/v1/landing-zones/([^/]+)/promotions", path):
                self._reply(api.create(self._token(), found.group(1), body))
            elif found := re.fullmatch(r"/v1/promotions/([^/]+)/outcome", path):
                self._reply(api.outcome(self._token(), found.group(1), body))
            else:
                self._reply((404, {"detail": "Not Found"}))

    return Handler


@contextmanager
def serving(api: ContractApi) -> Iterator[ContractApi]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
