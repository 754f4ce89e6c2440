"""Settings of the sandbox mailbox (SMTP sink + Mailpit-compatible API)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MailboxSettings:
    data_dir: Path
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 0  # 0: any free port; the server reports the one it took
    base_url: str = "http://127.0.0.1:8025"
