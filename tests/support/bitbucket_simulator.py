"""A Bitbucket Server simulator's settings for tests of it and of the adapters driving it."""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.support.simulators import BitbucketSimSettings

USER, PASSWORD = "landingzone", "bb-pw-7f3e"
PROJECT = "PAY"
_names = itertools.count(1)


def simulator_settings(data_dir: Path, port: int) -> BitbucketSimSettings:
    return BitbucketSimSettings(
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{port}",
        users={USER: PASSWORD, "alice": "alice-pw"},
        groups={"payments-devs": ["alice"], "platform": [USER]},
        projects={PROJECT: "Payments"},
    )


def unique(prefix: str) -> str:
    return f"{prefix} {next(_names)}"
