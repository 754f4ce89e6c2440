"""The sandbox mailbox: mail sent with smtplib shows up in its Mailpit-compatible API and pages."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from landingzone_sandbox.mailbox import Mailbox, MailboxSettings
from landingzone_sandbox.serving import serving


@dataclass
class Running:
    mailbox: Mailbox
    url: str

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.mailbox.smtp.host, self.mailbox.smtp.port, timeout=10) as smtp:
            smtp.send_message(message)

    def api(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.url}{path}", params=params, timeout=10)
        response.raise_for_status()
        return response.json()


@contextmanager
def running(data_dir: Path) -> Iterator[Running]:
    mailbox = Mailbox(MailboxSettings(data_dir=data_dir)).start()
    try:
        with serving(mailbox.app) as server:
            yield Running(mailbox, server.url)
    finally:
        mailbox.stop()


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Running]:
    with running(tmp_path) as started:
        yield started


def _message(
    subject: str, to: str = "dev@example.com", html: str = "<p>Hello <b>dev</b></p>"
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Landing Zone <landing-zone@example.com>"
    message["To"] = f"Dev Eloper <{to}>"
    message["Subject"] = subject
    message["Message-ID"] = f"<{re.sub('[^a-z0-9]+', '-', subject)}@landing-zone.example.com>"
    message.set_content("Hello dev,\nyour repository is ready.\n")
    message.add_alternative(html, subtype="html")
    return message


def test_multipart_mail_is_listed_and_readable(box: Running) -> None:
    box.send(_message("payments-api is ready"))

    listing = box.api("/api/v1/messages")
    assert listing["total"] == 1 and listing["count"] == 1
    [summary] = listing["messages"]
    assert summary["Subject"] == "payments-api is ready"
    assert summary["From"] == {"Name": "Landing Zone", "Address": "landing-zone@example.com"}
    assert summary["To"] == [{"Name": "Dev Eloper", "Address": "dev@example.com"}]
    assert summary["MessageID"] == "payments-api-is-ready@landing-zone.example.com"
    assert summary["Snippet"] == "Hello dev, your repository is ready."
    assert summary["Size"] > 0 and summary["Created"].endswith("Z")

    message = box.api(f"/api/v1/message/{summary['ID']}")
    assert message["Text"] == "Hello dev,\nyour repository is ready.\n"
    assert message["HTML"] == "<p>Hello <b>dev</b></p>\n"
    assert message["Date"] and message["Headers"]["Subject"] == ["payments-api is ready"]


def test_listing_is_newest_first_limited_and_searchable(box: Running) -> None:
    for name in ("first", "second", "third"):
        box.send(_message(f"{name} ready", to=f"{name}@example.com"))

    latest_two = box.api("/api/v1/messages", limit=2)
    assert [m["Subject"] for m in latest_two["messages"]] == ["third ready", "second ready"]
    assert latest_two["total"] == 3

    found = box.api("/api/v1/search", query="to:second@example.com")
    assert [m["Subject"] for m in found["messages"]] == ["second ready"]
    excluded = box.api("/api/v1/search", query='subject:ready -"first ready"')
    assert [m["Subject"] for m in excluded["messages"]] == ["third ready", "second ready"]
    assert box.api("/api/v1/message/latest")["Subject"] == "third ready"


def test_delete_empties_the_mailbox(box: Running) -> None:
    box.send(_message("going away"))
    assert httpx.delete(f"{box.url}/api/v1/messages").status_code == 200
    assert box.api("/api/v1/messages")["messages"] == []
    assert list(box.mailbox.store.data_dir.glob("*.eml")) == []


def test_messages_survive_a_restart(tmp_path: Path) -> None:
    with running(tmp_path) as first:
        first.send(_message("kept across restarts"))
    with running(tmp_path) as second:
        [summary] = second.api("/api/v1/messages")["messages"]
        assert summary["Subject"] == "kept across restarts"
        assert second.api(f"/api/v1/message/{summary['ID']}")["Text"].startswith("Hello dev")


def test_pages_show_mail_without_running_its_html(box: Running) -> None:
    hostile = '<p onclick="steal()">Hi</p><script>steal()</script>'
    box.send(_message("<b>bold</b> subject", html=hostile))
    [summary] = box.api("/api/v1/messages")["messages"]

    listing = httpx.get(f"{box.url}/")
    assert f"/view/{summary['ID']}" in listing.text and "&lt;b&gt;bold&lt;/b&gt;" in listing.text

    view = httpx.get(f"{box.url}/view/{summary['ID']}")
    assert view.status_code == 200
    assert "<script>steal()</script>" not in view.text
    assert 'sandbox="allow-popups' in view.text and "srcdoc=" in view.text
    assert "script-src" not in view.headers["content-security-policy"]
    assert "default-src 'none'" in view.headers["content-security-policy"]
    assert httpx.get(f"{box.url}/view/nope").status_code == 404
