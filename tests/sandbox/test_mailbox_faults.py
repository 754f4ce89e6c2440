"""Faults and outages of the mailbox's SMTP server, set over its HTTP side, met with smtplib."""

from __future__ import annotations

import itertools
import smtplib
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from tests.support.sandbox import Sandbox, wait_for

_subjects = itertools.count(1)


def message(subject: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Landing Zone <landing-zone@example.com>"
    mail["To"] = "Dev Eloper <dev@example.com>"
    mail["Subject"] = subject
    mail.set_content("Your repository is ready.\n")
    return mail


def unique_subject(prefix: str) -> str:
    return f"{prefix} #{next(_subjects)}"


def send(sandbox: Sandbox, subject: str, timeout: float = 10) -> None:
    described = sandbox.description["mailbox"]
    with smtplib.SMTP(described["smtp_host"], described["smtp_port"], timeout=timeout) as smtp:
        smtp.send_message(message(subject))


def delivered(sandbox: Sandbox, subject: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{sandbox.url('mailbox')}/api/v1/search", params={"query": subject}, timeout=10
    )
    response.raise_for_status()
    return [m for m in response.json()["messages"] if m["Subject"] == subject]


def rules(sandbox: Sandbox) -> list[dict[str, Any]]:
    return httpx.get(f"{sandbox.url('mailbox')}/_sandbox/faults", timeout=10).json()  # type: ignore[no-any-return]


def test_a_transient_reply_fails_the_given_number_of_times(sandbox: Sandbox) -> None:
    subject = unique_subject("retried")
    sandbox.fault("mailbox", command="MAIL", reply="451 4.3.0 Try again later", times=2)

    for _ in range(2):
        with pytest.raises(smtplib.SMTPResponseException) as refused:
            send(sandbox, subject)
        assert refused.value.smtp_code == 451
        assert refused.value.smtp_error == b"4.3.0 Try again later"
    assert delivered(sandbox, subject) == []

    send(sandbox, subject)
    assert len(delivered(sandbox, subject)) == 1
    assert [(r["command"], r["hits"], r["times"]) for r in rules(sandbox)] == [("MAIL", 2, 2)]


def test_permanent_replies_at_each_stage_of_the_dialogue(sandbox: Sandbox) -> None:
    subject = unique_subject("refused")
    sandbox.fault("mailbox", command="CONNECT", reply="554 5.7.1 No SMTP service here")
    with pytest.raises(smtplib.SMTPConnectError) as at_greeting:
        send(sandbox, subject)
    assert at_greeting.value.smtp_code == 554

    sandbox.fault("mailbox", command="RCPT", reply="550 5.1.1 User unknown")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as at_recipient:
        send(sandbox, subject)
    assert at_recipient.value.recipients == {"dev@example.com": (550, b"5.1.1 User unknown")}

    sandbox.fault("mailbox", command="DATA", reply="554 5.6.0 Message refused")
    with pytest.raises(smtplib.SMTPDataError) as at_data:
        send(sandbox, subject)
    assert at_data.value.smtp_code == 554
    assert delivered(sandbox, subject) == []


@pytest.mark.parametrize("command", ["CONNECT", "EHLO", "RCPT", "DATA"])
def test_a_dropped_connection_delivers_nothing(sandbox: Sandbox, command: str) -> None:
    subject = unique_subject(f"dropped at {command}")
    sandbox.fault("mailbox", command=command, drop=True)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(sandbox, subject)
    assert delivered(sandbox, subject) == []


def test_a_421_reply_closes_the_connection_as_smtp_says(sandbox: Sandbox) -> None:
    sandbox.fault("mailbox", command="MAIL", reply="421 4.3.2 System shutting down")
    described = sandbox.description["mailbox"]
    with smtplib.SMTP(described["smtp_host"], described["smtp_port"], timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.mail("landing-zone@example.com") == (421, b"4.3.2 System shutting down")
        with pytest.raises(smtplib.SMTPServerDisconnected):
            smtp.noop()


def test_late_answers_are_late_and_can_outlast_the_client(sandbox: Sandbox) -> None:
    subject = unique_subject("late")
    sandbox.fault("mailbox", command="RCPT", delay_seconds=0.3)
    started = time.monotonic()
    send(sandbox, subject)
    assert time.monotonic() - started >= 0.3
    assert len(delivered(sandbox, subject)) == 1

    sandbox.fault("mailbox", command="DATA", delay_seconds=3)
    with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
        send(sandbox, unique_subject("too late"), timeout=0.5)


@pytest.mark.parametrize(
    ("fault", "seen"),
    [
        ({"reply": "451 4.3.0 Queue write failed"}, smtplib.SMTPDataError),
        ({"drop": True}, smtplib.SMTPServerDisconnected),
    ],
)
def test_accept_then_fail_keeps_the_message_although_the_client_saw_an_error(
    sandbox: Sandbox, fault: dict[str, Any], seen: type[Exception]
) -> None:
    subject = unique_subject("kept anyway")
    sandbox.fault("mailbox", command="DATA", after_effect=True, **fault)
    with pytest.raises(seen):
        send(sandbox, subject)
    [kept] = delivered(sandbox, subject)
    assert kept["To"] == [{"Name": "Dev Eloper", "Address": "dev@example.com"}]


def test_during_an_outage_the_greeting_is_421_and_mail_waits(sandbox: Sandbox) -> None:
    subject = unique_subject("after the outage")
    shown = sandbox.outage("mailbox", 1)
    assert shown["down"] is True and shown["mode"] == "unavailable"
    with pytest.raises(smtplib.SMTPConnectError) as refused:
        send(sandbox, subject)
    assert (refused.value.smtp_code, refused.value.smtp_error) == (
        421,
        b"4.3.2 Service not available",
    )
    assert httpx.get(f"{sandbox.url('mailbox')}/api/v1/messages", timeout=10).status_code == 200

    def sent() -> bool:
        try:
            send(sandbox, subject)
        except smtplib.SMTPConnectError:
            return False
        return True

    wait_for(sent, "the mailbox to come back", timeout=10)
    assert len(delivered(sandbox, subject)) == 1


def test_a_reset_outage_closes_connections_until_it_is_ended(sandbox: Sandbox) -> None:
    sandbox.outage("mailbox", 30, mode="reset")
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(sandbox, unique_subject("reset"))

    sandbox.end_outage("mailbox")
    subject = unique_subject("after the reset")
    send(sandbox, subject)
    assert len(delivered(sandbox, subject)) == 1


def test_a_slow_outage_delays_the_greeting_past_the_client_timeout(sandbox: Sandbox) -> None:
    sandbox.outage("mailbox", 30, mode="slow", delay_seconds=20)
    with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
        send(sandbox, unique_subject("slow"), timeout=0.5)

    subject = unique_subject("slow, then on time")
    with ThreadPoolExecutor(max_workers=1) as pool:
        sending = pool.submit(send, sandbox, subject, 30)
        with pytest.raises(FutureTimeout):
            sending.result(timeout=0.5)  # still waiting for the greeting
        sandbox.end_outage("mailbox")
        sending.result(timeout=5)
    assert len(delivered(sandbox, subject)) == 1


def test_clearing_faults_restores_plain_delivery(sandbox: Sandbox) -> None:
    sandbox.fault("mailbox", command="MAIL", reply="451 4.3.0 Try again later", times=0)
    sandbox.clear_faults("mailbox")
    assert rules(sandbox) == []
    subject = unique_subject("plain")
    send(sandbox, subject)
    assert len(delivered(sandbox, subject)) == 1


@pytest.mark.parametrize(
    "rule",
    [
        {"command": "SEND", "reply": "451 4.3.0 x"},
        {"command": "MAIL"},
        {"command": "MAIL", "reply": "250 OK"},
        {"command": "MAIL", "reply": "451 x\r\nRSET"},
        {"command": "MAIL", "reply": "451 x", "drop": True},
        {"command": "RCPT", "reply": "451 x", "after_effect": True},
        {"command": "MAIL", "delay_seconds": -1},
        {"command": "MAIL", "reply": "451 x", "status": 503},
    ],
)
def test_a_rule_that_makes_no_sense_is_refused(sandbox: Sandbox, rule: dict[str, Any]) -> None:
    response = httpx.post(f"{sandbox.url('mailbox')}/_sandbox/faults", json=rule, timeout=10)
    assert response.status_code == 400 and response.json()["error"]
    assert rules(sandbox) == []


def test_retry_after_is_refused_for_smtp(sandbox: Sandbox) -> None:
    with pytest.raises(httpx.HTTPStatusError):
        sandbox.outage("mailbox", 10, retry_after=5)
    outage = httpx.get(f"{sandbox.url('mailbox')}/_sandbox/outage", timeout=10).json()
    assert outage == {"down": False, "until": None, "mode": None}


def test_a_rule_with_a_probability_refuses_only_that_share_of_messages(sandbox: Sandbox) -> None:
    sandbox.fault("mailbox", command="MAIL", reply="451 4.3.0 Try later", times=0, probability=0.5)
    refused = 0
    try:
        for index in range(40):
            try:
                send(sandbox, unique_subject(f"dice-{index}"))
            except smtplib.SMTPResponseException as error:
                assert error.smtp_code == 451
                refused += 1
    finally:
        sandbox.clear_faults("mailbox")
    assert 5 <= refused <= 35, refused
