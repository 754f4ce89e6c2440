"""Received messages as `<ID>.eml` files with a `<ID>.json` envelope beside each."""

from __future__ import annotations

import email
import json
import os
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_message_id() -> str:
    """22 base62 characters, the shape of Mailpit's IDs."""
    number, digits = uuid.uuid4().int, []
    for _ in range(22):
        number, digit = divmod(number, 62)
        digits.append(_ALPHABET[digit])
    return "".join(digits)


@dataclass(frozen=True)
class StoredMessage:
    id: str
    created: datetime
    mail_from: str
    rcpt_to: Sequence[str]
    size: int
    message: EmailMessage


class MessageStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._messages: dict[str, StoredMessage] = {}
        for envelope in data_dir.glob("*.json"):
            loaded = self._load(envelope)
            if loaded is not None:
                self._messages[loaded.id] = loaded

    def add(self, raw: bytes, mail_from: str, rcpt_to: Iterable[str]) -> StoredMessage:
        message_id = new_message_id()
        created = datetime.now(UTC)
        envelope = {
            "ID": message_id,
            "Created": created.isoformat(),
            "MailFrom": mail_from,
            "RcptTo": list(rcpt_to),
        }
        _write_atomically(self.data_dir / f"{message_id}.eml", raw)
        _write_atomically(self.data_dir / f"{message_id}.json", json.dumps(envelope).encode())
        stored = StoredMessage(
            message_id, created, mail_from, tuple(rcpt_to), len(raw), _parse(raw)
        )
        with self._lock:
            self._messages[message_id] = stored
        return stored

    def newest_first(self) -> list[StoredMessage]:
        with self._lock:
            messages = list(self._messages.values())
        return sorted(messages, key=lambda m: m.created, reverse=True)

    def get(self, message_id: str) -> StoredMessage | None:
        with self._lock:
            return self._messages.get(message_id)

    def raw(self, message_id: str) -> bytes | None:
        if self.get(message_id) is None:
            return None
        return (self.data_dir / f"{message_id}.eml").read_bytes()

    def delete(self, ids: Sequence[str] | None = None) -> int:
        with self._lock:
            doomed = (
                list(self._messages) if ids is None else [i for i in ids if i in self._messages]
            )
            for message_id in doomed:
                del self._messages[message_id]
                for suffix in (".json", ".eml"):
                    (self.data_dir / f"{message_id}{suffix}").unlink(missing_ok=True)
        return len(doomed)

    def _load(self, envelope_path: Path) -> StoredMessage | None:
        raw_path = envelope_path.with_suffix(".eml")
        try:
            envelope = json.loads(envelope_path.read_text())
            raw = raw_path.read_bytes()
        except (OSError, ValueError):
            return None
        return StoredMessage(
            id=str(envelope["ID"]),
            created=datetime.fromisoformat(envelope["Created"]),
            mail_from=str(envelope.get("MailFrom", "")),
            rcpt_to=tuple(envelope.get("RcptTo", [])),
            size=len(raw),
            message=_parse(raw),
        )


def _parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
