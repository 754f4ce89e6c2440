"""Reading the simulators' traffic counters (`/_sandbox/traffic`): requests per system in a window,
what they were, and the peak of calls at once.

The simulators' own calls (Bitbucket's webhooks to Jenkins, Jenkins' clones of a repository for
a build) are told apart by their User-Agent and left out of the caller's counts.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx
from tests.support.sandbox import Described

SYSTEMS = ("bitbucket", "jenkins", "servicenow", "mailbox")
SANDBOX_AGENTS = ("git/sandbox-jenkins", "python-httpx/")
Entry = Mapping[str, Any]
Mark = dict[str, int]

# Benchmark landing zones are named <prefix>-<db>-..., and their environment repositories -env.
_GENERIC_NAME = re.compile(r"(?<=/)(?:c\d+|mem|se|fl|pe|w|ev|api\d+|model)-[a-z0-9-]+(?=[/.?]|$)")
_SYS_ID = re.compile(r"\b[0-9a-f]{32}\b")
_NUMBER = re.compile(r"/\d+(?=/|$)")
_RECORD_NUMBER = re.compile(r"\b(RITM|REQ|CHG)\d+\b")
# pysnow sends every one of these on every call; only the query says what was asked.
_PYSNOW_DEFAULTS = {
    "sysparm_limit",
    "sysparm_offset",
    "sysparm_display_value",
    "sysparm_view",
    "sysparm_suppress_pagination_header",
    "sysparm_exclude_reference_link",
    "sysparm_fields",
}


def from_caller(entry: Entry) -> bool:
    return not str(entry.get("agent", "")).startswith(SANDBOX_AGENTS)


@dataclass
class Meter:
    sandbox: Described

    def _read(self, system: str, since: int = 0) -> dict[str, Any]:
        url = f"{self.sandbox.url(system)}/_sandbox/traffic"
        response = httpx.get(url, params={"since": since}, timeout=30)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def mark(self) -> Mark:
        """Where each system's log stands now."""
        return {system: int(self._read(system, 1 << 62)["requests"]) for system in SYSTEMS}

    def since(self, mark: Mark, caller_only: bool = True) -> dict[str, list[Entry]]:
        """Each system's finished requests after `mark`."""
        found: dict[str, list[Entry]] = {}
        for system in SYSTEMS:
            log = self._read(system, mark.get(system, 0))["log"]
            found[system] = [e for e in log if from_caller(e)] if caller_only else list(log)
        return found

    def reset_peaks(self) -> None:
        for system in SYSTEMS:
            httpx.delete(f"{self.sandbox.url(system)}/_sandbox/traffic", timeout=30)

    def peaks(self) -> dict[str, int]:
        """The most calls each system had at once since the last reset (its own included)."""
        return {system: int(self._read(system, 1 << 62)["peak"]) for system in SYSTEMS}


def counts(entries: Mapping[str, list[Entry]]) -> dict[str, int]:
    return {system: len(found) for system, found in entries.items()}


def peak_overlap(entries: Mapping[str, list[Entry]]) -> dict[str, int]:
    """Per system, the most of these requests that were in flight at the same moment."""
    peaks: dict[str, int] = {}
    for system, found in entries.items():
        edges = sorted(
            [(float(e["started"]), 1) for e in found] + [(float(e["ended"]), -1) for e in found]
        )  # at a tie, an end (-1) sorts before a start: back-to-back calls do not overlap
        running = peak = 0
        for _, change in edges:
            running += change
            peak = max(peak, running)
        peaks[system] = peak
    return peaks


def call_name(entry: Entry, names: Iterable[str] = ()) -> str:
    """`METHOD path?query` with this landing zone's names and ids made generic, so the same
    call of two landing zones reads the same."""
    target = str(entry["target"])
    path, _, query = target.partition("?")
    for name in sorted(names, key=len, reverse=True):
        path = path.replace(name, "{name}")
        query = query.replace(name, "{name}")
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)]
    kept = [(k, v) for k, v in pairs if k not in _PYSNOW_DEFAULTS and v]
    shown = "&".join(f"{k}={v}" for k, v in kept)
    text = f"{entry['method']} {path}" + (f"?{shown}" if shown else "")
    text = _SYS_ID.sub("{sys_id}", text)
    text = _RECORD_NUMBER.sub(r"{\1}", text)
    return _NUMBER.sub("/{n}", text)


def calls(entries: Mapping[str, list[Entry]], names: Iterable[str] = ()) -> dict[str, Counter[str]]:
    """Per system: each distinct call and how many times it was made."""
    listed = tuple(names)
    return {
        system: Counter(call_name(e, listed) for e in found) for system, found in entries.items()
    }


def slowest(entries: Mapping[str, list[Entry]], top: int = 3) -> list[dict[str, Any]]:
    """The calls that took longest (by their median) per system: where a slow run's time went."""
    found: list[dict[str, Any]] = []
    for system, listed in entries.items():
        times: dict[str, list[float]] = {}
        for entry in listed:
            name = _GENERIC_NAME.sub("{name}", call_name(entry))
            times.setdefault(name, []).append(float(entry["ended"]) - float(entry["started"]))
        ranked = sorted(times.items(), key=lambda item: -statistics.median(item[1]))[:top]
        found.extend(
            {
                "system": system,
                "call": name,
                "n": len(values),
                "median": statistics.median(values),
                "max": max(values),
            }
            for name, values in ranked
        )
    return found
