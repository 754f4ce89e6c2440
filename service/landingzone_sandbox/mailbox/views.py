"""Stored messages in the shapes of Mailpit's API v1, and its search syntax."""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from landingzone_sandbox.mailbox.store import StoredMessage

SNIPPET_LENGTH = 250


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _addresses(message: EmailMessage, header: str) -> list[dict[str, str]]:
    values = [str(v) for v in message.get_all(header, [])]
    return [{"Name": name, "Address": address} for name, address in getaddresses(values) if address]


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return ""
    content = part.get_content()
    return content.replace("\r\n", "\n") if isinstance(content, str) else ""


def text_of(stored: StoredMessage) -> str:
    return _part(stored.message, "plain")


def html_of(stored: StoredMessage) -> str:
    return _part(stored.message, "html")


def _snippet(stored: StoredMessage) -> str:
    text = text_of(stored) or html.unescape(re.sub(r"<[^>]*>", " ", html_of(stored)))
    return " ".join(text.split())[:SNIPPET_LENGTH]


def _bcc(stored: StoredMessage) -> list[dict[str, str]]:
    visible = {a["Address"].lower() for h in ("To", "Cc") for a in _addresses(stored.message, h)}
    return [{"Name": "", "Address": r} for r in stored.rcpt_to if r.lower() not in visible]


def _attachments(stored: StoredMessage) -> int:
    return sum(1 for _ in stored.message.iter_attachments())


def summary(stored: StoredMessage) -> dict[str, object]:
    message = stored.message
    sender = _addresses(message, "From")
    return {
        "ID": stored.id,
        "MessageID": str(message.get("Message-ID", "")).strip().strip("<>"),
        "Read": False,
        "From": sender[0] if sender else {"Name": "", "Address": stored.mail_from},
        "To": _addresses(message, "To"),
        "Cc": _addresses(message, "Cc"),
        "Bcc": _bcc(stored),
        "ReplyTo": _addresses(message, "Reply-To"),
        "Subject": str(message.get("Subject", "")),
        "Created": _rfc3339(stored.created),
        "Tags": [],
        "Size": stored.size,
        "Attachments": _attachments(stored),
        "Snippet": _snippet(stored),
    }


def _date(stored: StoredMessage) -> str:
    """The Date header, or the time of receipt when it has none or a broken one."""
    header = stored.message.get("Date")
    try:
        return _rfc3339(parsedate_to_datetime(str(header))) if header else _rfc3339(stored.created)
    except (TypeError, ValueError):
        return _rfc3339(stored.created)


def headers(stored: StoredMessage) -> dict[str, list[str]]:
    collected: dict[str, list[str]] = {}
    for name, value in stored.message.items():
        collected.setdefault(name, []).append(str(value))
    return collected


def detail(stored: StoredMessage) -> dict[str, object]:
    body = summary(stored)
    del body["Snippet"]
    return body | {
        "ReturnPath": stored.mail_from,
        "Date": _date(stored),
        "Text": text_of(stored),
        "HTML": html_of(stored),
        "Inline": [],
        "Attachments": [
            {"FileName": part.get_filename() or "", "ContentType": part.get_content_type()}
            for part in stored.message.iter_attachments()
        ],
        "Headers": headers(stored),
    }


def listing(messages: Sequence[StoredMessage], total: int, start: int) -> dict[str, object]:
    return {
        "total": total,
        "unread": total,
        "count": len(messages),
        "messages_count": total,
        "start": start,
        "tags": [],
        "messages": [summary(m) for m in messages],
    }


def matches(stored: StoredMessage, query: str) -> bool:
    """Mailpit-style search: terms are AND-ed; `to:` `from:` `cc:` `subject:` `message-id:`;
    a leading `-` negates a term."""
    try:
        terms = shlex.split(query)
    except ValueError:
        terms = query.split()
    fields = {
        "to": " ".join(a["Address"] + " " + a["Name"] for a in _addresses(stored.message, "To")),
        "cc": " ".join(a["Address"] + " " + a["Name"] for a in _addresses(stored.message, "Cc")),
        "from": f"{stored.message.get('From', '')} {stored.mail_from}",
        "subject": str(stored.message.get("Subject", "")),
        "message-id": str(stored.message.get("Message-ID", "")),
    }
    everything = " ".join([*fields.values(), text_of(stored), html_of(stored)])
    for term in terms:
        negate = term.startswith(("-", "!")) and len(term) > 1
        term = term[1:] if negate else term
        name, colon, value = term.partition(":")
        haystack = fields[name.lower()] if colon and name.lower() in fields else everything
        needle = value if colon and name.lower() in fields else term
        if (needle.lower() in haystack.lower()) == negate:
            return False
    return True
