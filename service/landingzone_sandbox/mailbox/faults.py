"""What the mailbox's SMTP server is told to get wrong: per-command rules and the outage switch.

A rule names an SMTP `command` (`CONNECT` is the greeting) and applies `times` times
(0 = until removed):

- `reply`: answer this one-line reply (`4xx` transient, `5xx` permanent) instead of running
  the command; after a `421`, or any reply at `CONNECT`, the server closes the connection;
- `drop: true`: close the connection instead of answering;
- `delay_seconds`: answer late;
- `probability`: apply to only this share of the matching commands (default 1);
- `after_effect: true` (`DATA` only): keep the message, then give the client `reply`, a drop
  or a late answer after the final dot, as a relay that crashed after queueing. Without it a
  `DATA` rule answers the DATA command itself and nothing is kept.

The outage switch (`landingzone_sandbox.outage`) meets new connections at the greeting and
open ones at their next command: `unavailable` answers `421 4.3.2 Service not available` and
closes, `reset` closes without a word, `slow` makes every reply late. `retry_after` is HTTP's
and is refused.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from landingzone_sandbox.faults import strikes
from landingzone_sandbox.outage import OutageSwitch

CONNECT = "CONNECT"
COMMANDS = frozenset(
    {CONNECT, "EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "VRFY"}
    | {"EXPN", "HELP", "AUTH", "STARTTLS"}
)
_REPLY = re.compile(r"[45][0-5][0-9]( [\x20-\x7e]*)?")
_FIELDS = frozenset(
    {"command", "reply", "drop", "delay_seconds", "after_effect", "times", "probability", "hits"}
)


class SmtpFaultError(ValueError):
    """The rule asked for is not one the mailbox can apply; the message says why."""


@dataclass
class SmtpFaultRule:
    command: str
    reply: str | None = None
    drop: bool = False
    delay_seconds: float = 0.0
    after_effect: bool = False
    times: int = 1
    probability: float = 1.0
    hits: int = 0

    @classmethod
    def parse(cls, spec: object) -> SmtpFaultRule:
        if not isinstance(spec, Mapping):
            raise SmtpFaultError("a rule is a JSON object")
        unknown = set(spec) - _FIELDS
        if unknown:
            raise SmtpFaultError(f"unknown fields: {', '.join(sorted(map(str, unknown)))}")
        command = spec.get("command")
        if not isinstance(command, str) or command.upper() not in COMMANDS:
            raise SmtpFaultError(f"command must be one of {', '.join(sorted(COMMANDS))}")
        reply = spec.get("reply")
        if reply is not None and (not isinstance(reply, str) or not _REPLY.fullmatch(reply)):
            raise SmtpFaultError("reply is one SMTP reply line with a 4xx or 5xx code")
        drop, after_effect = spec.get("drop", False), spec.get("after_effect", False)
        if not isinstance(drop, bool) or not isinstance(after_effect, bool):
            raise SmtpFaultError("drop and after_effect are true or false")
        delay, times = spec.get("delay_seconds", 0.0), spec.get("times", 1)
        if isinstance(delay, bool) or not isinstance(delay, int | float):
            raise SmtpFaultError("delay_seconds is a number of seconds")
        if not 0 <= delay < math.inf:
            raise SmtpFaultError("delay_seconds must not be negative")
        if isinstance(times, bool) or not isinstance(times, int) or times < 0:
            raise SmtpFaultError("times is a whole number, 0 for until removed")
        if reply is not None and drop:
            raise SmtpFaultError("a rule either replies or drops the connection")
        if reply is None and not drop and not delay:
            raise SmtpFaultError("a rule needs a reply, a drop or a delay")
        if after_effect and command.upper() != "DATA":
            raise SmtpFaultError("after_effect applies to DATA only")
        probability = spec.get("probability", 1.0)
        if isinstance(probability, bool) or not isinstance(probability, int | float):
            raise SmtpFaultError("probability is a number")
        if not 0 < probability <= 1:
            raise SmtpFaultError("probability is above 0 and at most 1")
        return cls(
            command.upper(), reply, drop, float(delay), after_effect, times, float(probability)
        )

    def describe(self) -> dict[str, object]:
        return {
            "command": self.command,
            "reply": self.reply,
            "drop": self.drop,
            "delay_seconds": self.delay_seconds,
            "after_effect": self.after_effect,
            "times": self.times,
            "probability": self.probability,
            "hits": self.hits,
        }


class SmtpFaults:
    """Shared by the HTTP control and the SMTP server, which run on different threads."""

    def __init__(self) -> None:
        self.outage = OutageSwitch()
        self._lock = threading.Lock()
        self._rules: list[SmtpFaultRule] = []

    def add(self, rule: SmtpFaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def describe(self) -> list[dict[str, object]]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def take(self, command: str, *, after_effect: bool = False) -> SmtpFaultRule | None:
        with self._lock:
            for rule in self._rules:
                exhausted = rule.times and rule.hits >= rule.times
                applies = (rule.command, rule.after_effect) == (command, after_effect)
                if not exhausted and applies and strikes(rule.probability):
                    rule.hits += 1
                    return rule
        return None
