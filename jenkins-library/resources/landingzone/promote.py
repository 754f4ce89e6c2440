#!/usr/bin/env python3
"""Client of the Landing Zone promotion API, run by the promote pipeline (standard library only).

    promote.py request --api URL --landing-zone ID --digest sha256:... --environment prod
                       --version 1.4.2 --build-url URL [--scan-file trivy-report.json]
        asks for the promotion; prints its id on standard output.
    promote.py wait --api URL --promotion ID [--timeout SECONDS]
        waits until the promotion is decided (long poll); --timeout 0 looks once.
    promote.py outcome --api URL --promotion ID --result success|failure|rolled_back
                       [--notes TEXT] [--build-url URL]
        reports what the deployment did.

The bearer token is read from the environment variable named by --token-env (default
LZ_PROMOTION_TOKEN) and never printed. Messages go to standard error; only the promotion id
(request) goes to standard output.

Exit codes: 0 proceed (request accepted, promotion deployed, outcome recorded); 3 still
undecided when the wait ended; 4 decided against (rejected, expired, failed, rolled back);
5 refused by the API (a 4xx, with its reason); 1 the API could not be reached or answered
unexpectedly; 2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, NoReturn

PROCEED, FAILED, USAGE, PENDING, STOPPED, REFUSED = 0, 1, 2, 3, 4, 5

APPROVED = {"deployed", "succeeded"}
DECIDED_AGAINST = {"rejected", "expired", "failed", "rolled_back"}
LONG_POLL_MAX_S = 60
SEVERITIES = ("critical", "high", "medium", "low")
RETRY_STATUSES = {429, 502, 503, 504}


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"refused ({status}): {reason}")
        self.status = status


class Unreachable(Exception):
    """A transient failure: connection refused or reset, timeout, 429 or 5xx."""


class Api:
    def __init__(self, base_url: str, token: str, timeout_s: float) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"--api must be an http(s) URL, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout_s = timeout_s

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, wait_s: float = 0
    ) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        url = self.base_url + path  # http(s) only: checked in __init__
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
        request.add_header("Accept", "application/json")
        request.add_header("Authorization", f"Bearer {self._token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s + wait_s) as answer:  # noqa: S310
                return _object(answer.read())
        except urllib.error.HTTPError as error:
            reason = self.redact(_reason(error.read()) or error.reason or "")
            if error.code >= 500 or error.code in RETRY_STATUSES:
                raise Unreachable(f"{method} {path}: HTTP {error.code} {reason}") from None
            raise Refused(error.code, reason) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise Unreachable(f"{method} {path}: {self.redact(str(error))}") from None

    def redact(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text


def _object(raw: bytes) -> dict[str, Any]:
    value = json.loads(raw.decode("utf-8") or "{}")
    if not isinstance(value, dict):
        raise ValueError("the API answered with something other than a JSON object")
    return value


def _reason(raw: bytes) -> str:
    """FastAPI's `detail`: a string, or a list of {loc, msg} naming the fields."""
    try:
        detail = json.loads(raw.decode("utf-8")).get("detail")
    except (ValueError, AttributeError):
        return raw.decode("utf-8", "replace")[:500]
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                parts.append(f"{where}: {item.get('msg', '')}" if where else str(item.get("msg")))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return str(detail) if detail is not None else ""


def scan_summary(path: str | None) -> dict[str, int]:
    """Findings per severity, from a Trivy JSON report or from a summary {"critical": 0, ...}."""
    counts = dict.fromkeys(SEVERITIES, 0)
    if not path:
        return counts
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    if isinstance(report, dict) and set(report) <= set(SEVERITIES):
        return {**counts, **{key: int(value) for key, value in report.items()}}
    for result in report.get("Results") or []:
        for finding in result.get("Vulnerabilities") or []:
            severity = str(finding.get("Severity", "")).lower()
            if severity in counts:
                counts[severity] += 1
    return counts


def retrying(action: Any, deadline: float, pause_s: float = 1.0) -> dict[str, Any]:
    """Run `action` until it answers; transient failures are retried until `deadline`."""
    while True:
        try:
            result: dict[str, Any] = action()
            return result
        except Unreachable as error:
            if time.monotonic() + pause_s > deadline:
                raise
            say(f"{error}; retrying")
            time.sleep(pause_s)
            pause_s = min(pause_s * 2, 15.0)


def request(api: Api, args: argparse.Namespace) -> int:
    body = {
        "digest": args.digest,
        "version": args.version,
        "environment": args.environment,
        "build_url": args.build_url,
        "scan": scan_summary(args.scan_file),
    }
    path = f"/v1/landing-zones/{urllib.parse.quote(args.landing_zone, safe='')}/promotions"
    deadline = time.monotonic() + args.retry_seconds
    promotion = retrying(lambda: api.call("POST", path, body), deadline)
    say(
        f"promotion {promotion['id']} of {args.digest} to {args.environment}: "
        f"{promotion.get('status')}{_change(promotion)}"
    )
    print(promotion["id"])
    return PROCEED


def wait(api: Api, args: argparse.Namespace) -> int:
    path = f"/v1/promotions/{urllib.parse.quote(args.promotion, safe='')}"
    deadline = time.monotonic() + args.timeout
    last_status = None
    while True:
        remaining = max(0, int(deadline - time.monotonic()))
        wait_s = min(remaining, args.poll_seconds, LONG_POLL_MAX_S)
        asked = time.monotonic()
        try:
            promotion = api.call("GET", f"{path}?wait={wait_s}", wait_s=wait_s)
        except Unreachable as error:
            if time.monotonic() >= deadline:
                say(f"{error}; still waiting")
                return PENDING
            say(f"{error}; retrying")
            time.sleep(min(5.0, max(0.0, deadline - time.monotonic())))
            continue
        status = promotion.get("status")
        if status != last_status:
            say(f"promotion {promotion.get('id')}: {status}{_change(promotion)}")
            last_status = status
        if status in APPROVED:
            return PROCEED
        if status in DECIDED_AGAINST:
            decider = promotion.get("decided_by")
            comment = promotion.get("comment") or "no comment"
            say(f"{status}{f' by {decider}' if decider else ''}: {comment}")
            return STOPPED
        if time.monotonic() >= deadline:
            return PENDING
        if time.monotonic() - asked < 1:  # answered before the wait ended: do not spin
            time.sleep(1)


def outcome(api: Api, args: argparse.Namespace) -> int:
    path = f"/v1/promotions/{urllib.parse.quote(args.promotion, safe='')}/outcome"
    body = {"result": args.result, "notes": args.notes, "build_url": args.build_url}
    retrying(lambda: api.call("POST", path, body), time.monotonic() + args.retry_seconds)
    say(f"promotion {args.promotion}: outcome {args.result} recorded")
    return PROCEED


def _change(promotion: dict[str, Any]) -> str:
    change = promotion.get("change")
    if not isinstance(change, dict) or not change.get("number"):
        return ""
    return f" (change {change['number']}, {change.get('state')}: {change.get('url')})"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="promote.py", description=__doc__.split("\n")[0])
    commands = root.add_subparsers(dest="command", required=True)

    def command(name: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name)
        sub.add_argument("--api", required=True, help="base URL of the Landing Zone service")
        sub.add_argument(
            "--token-env",
            default="LZ_PROMOTION_TOKEN",
            help="environment variable holding the bearer token",
        )
        sub.add_argument("--call-timeout", type=float, default=30.0)
        return sub

    ask = command("request")
    ask.add_argument("--landing-zone", required=True)
    ask.add_argument("--digest", required=True)
    ask.add_argument("--environment", required=True)
    ask.add_argument("--version", required=True)
    ask.add_argument("--build-url", required=True)
    ask.add_argument("--scan-file", help="Trivy JSON report or {critical, high, medium, low}")
    ask.add_argument("--retry-seconds", type=float, default=120.0)

    wait_for = command("wait")
    wait_for.add_argument("--promotion", required=True)
    wait_for.add_argument(
        "--timeout", type=float, default=0.0, help="seconds to wait in all; 0 looks once"
    )
    wait_for.add_argument("--poll-seconds", type=int, default=LONG_POLL_MAX_S)

    report = command("outcome")
    report.add_argument("--promotion", required=True)
    report.add_argument("--result", required=True, choices=["success", "failure", "rolled_back"])
    report.add_argument("--notes", default="")
    report.add_argument("--build-url", default="")
    report.add_argument("--retry-seconds", type=float, default=120.0)
    return root


def fail(code: int, message: str) -> NoReturn:
    say(message)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    token = os.environ.get(args.token_env, "")
    if not token:
        fail(USAGE, f"no token: set {args.token_env} (bind the promotion credential)")
    try:
        api = Api(args.api, token, args.call_timeout)
    except ValueError as error:
        fail(USAGE, str(error))
    commands = {"request": request, "wait": wait, "outcome": outcome}
    try:
        return commands[args.command](api, args)
    except Refused as error:
        fail(REFUSED, api.redact(str(error)))
    except Unreachable as error:
        fail(FAILED, f"the promotion API did not answer: {api.redact(str(error))}")
    except (KeyError, ValueError, OSError) as error:
        fail(FAILED, f"unexpected: {api.redact(repr(error))}")


if __name__ == "__main__":
    sys.exit(main())
