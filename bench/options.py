"""What a benchmark run does: its parts, databases and counts, full or `--quick`."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from bench.stand import DATABASES

PARTS = ("floor", "peer", "service", "concurrency", "memory", "events", "api", "growth")
CLASSES = ("dotnet", "java", "web", "mobile", "backend")


@dataclass
class Options:
    parts: tuple[str, ...] = PARTS
    databases: tuple[str, ...] = DATABASES
    classes: tuple[str, ...] = CLASSES
    rounds: int = 8
    levels: tuple[int, ...] = (1, 8, 32)
    waves: int = 3  # landing zones per level: `waves` x the concurrency
    replicas: int = 1  # service replicas sharing the concurrency levels' work (PostgreSQL only)
    memory_zones: int = 1000
    memory_concurrency: int = 8
    event_zones: int = 20
    api_clients: tuple[int, ...] = (50, 200)
    api_posts: int = 3
    api_gets: int = 25
    api_tenant: str = "retail"
    growth_sizes: tuple[int, ...] = (100, 10_000, 100_000)
    growth_samples: int = 200
    settings: dict[str, str] = field(default_factory=dict)
    out: Path | None = None
    report: Path | None = None
    quick: bool = False

    def wants(self, part: str) -> bool:
        return part in self.parts

    def count_at(self, concurrency: int) -> int:
        return max(1, self.waves) * concurrency


QUICK = {
    "rounds": 1,
    "waves": 1,
    "memory_zones": 16,
    "event_zones": 4,
    "api_posts": 1,
    "api_gets": 5,
    "growth_sizes": (100, 2_000, 10_000),
    "growth_samples": 40,
}


def _names(text: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"{what}: pick from {', '.join(allowed)}")
    return names


def _numbers(text: str) -> tuple[int, ...]:
    try:
        numbers = tuple(int(n) for n in text.split(",") if n.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("whole numbers, comma-separated") from None
    if not numbers or min(numbers) < 1:
        raise argparse.ArgumentTypeError("whole numbers of 1 or more, comma-separated")
    return numbers


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.startswith("LZ_"):
        raise argparse.ArgumentTypeError("LZ_NAME=value")
    return name, value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="The service against its floor and a Backstage peer, on the sandbox.",
    )
    p.add_argument("--quick", action="store_true", help="a few minutes: counts scaled down")
    p.add_argument("--parts", type=lambda t: _names(t, PARTS, "parts"), help=", ".join(PARTS))
    p.add_argument("--databases", type=lambda t: _names(t, DATABASES, "databases"))
    p.add_argument("--classes", type=lambda t: _names(t, CLASSES, "classes"))
    p.add_argument("--rounds", type=int, help="sequential rounds (each class once per round)")
    p.add_argument("--levels", type=_numbers, help="concurrency levels, e.g. 1,8,32")
    p.add_argument("--waves", type=int, help="landing zones per level, as a multiple of it")
    p.add_argument(
        "--replicas",
        type=int,
        help="service replicas on PostgreSQL's concurrency levels (the sandbox's and others)",
    )
    p.add_argument("--memory-zones", type=int)
    p.add_argument("--event-zones", type=int)
    p.add_argument("--api-clients", type=_numbers)
    p.add_argument("--api-posts", type=int, help="POSTs per client")
    p.add_argument("--api-gets", type=int, help="GETs per client")
    p.add_argument("--growth-sizes", type=_numbers)
    p.add_argument("--growth-samples", type=int)
    p.add_argument(
        "--setting",
        type=_setting,
        action="append",
        default=[],
        metavar="LZ_NAME=value",
        help="a service setting for every sandbox (those the sandbox passes on)",
    )
    p.add_argument("--out", type=Path, help="the JSON file (default bench/results/<time>.json)")
    p.add_argument(
        "--report", type=Path, metavar="JSON", help="run nothing: print the tables of a past run"
    )
    return p


def parse(argv: list[str] | None = None) -> Options:
    args = parser().parse_args(argv)
    options = Options(quick=args.quick, **(QUICK if args.quick else {}))  # type: ignore[arg-type]
    for name in (
        "parts",
        "databases",
        "classes",
        "rounds",
        "levels",
        "waves",
        "replicas",
        "memory_zones",
        "event_zones",
        "api_clients",
        "api_posts",
        "api_gets",
        "growth_sizes",
        "growth_samples",
        "out",
        "report",
    ):
        value = getattr(args, name)
        if value is not None:
            setattr(options, name, value)
    options.settings = dict(args.setting)
    return options
