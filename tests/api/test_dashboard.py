"""The dashboard in headless Chromium, against canned API answers: what a platform engineer sees."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.canned_api import HOSTILE, TOKEN, CannedApi, canned_api
from tests.support.browser import Browser, Page, chromium_binary, headless_chromium

COLUMNS = (
    "name", "class", "tenant", "owner", "status", "steps", "links", "promotions", "attention"
)  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no Chromium: install chromium or set LZ_CHROMIUM")
    with headless_chromium(binary) as running:
        yield running


@pytest.fixture
def api() -> Iterator[CannedApi]:
    with canned_api() as running:
        yield running


@pytest.fixture
def page(browser: Browser, api: CannedApi) -> Iterator[Page]:
    """The dashboard after the user typed their token and pressed the button."""
    tab = browser.new_page()
    tab.navigate(f"{api.url}/#lz_wait")
    tab.evaluate(
        f"document.getElementById('token').value = {json.dumps(TOKEN)};"
        "document.getElementById('login').requestSubmit(); true"
    )
    tab.wait_for("document.querySelectorAll('#rows tr').length === 3", "three rows")
    yield tab
    tab.close()


def row(page: Page, lz_id: str) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        f"""(() => {{
          const row = document.getElementById({json.dumps(lz_id)});
          return {{
            cells: [...row.cells].map(cell => cell.textContent),
            badges: [...row.querySelectorAll('.badge')].map(badge => badge.textContent),
            waitingSteps: [...row.querySelectorAll('.steps span.waiting')].map(s => s.textContent),
            buttons: [...row.querySelectorAll('button')].map(button => button.textContent),
          }};
        }})()"""
    )
    found["cells"] = dict(zip(COLUMNS, found["cells"], strict=True))
    return found


def click_retry(page: Page, lz_id: str, then_shows: str) -> None:
    page.evaluate(f"document.getElementById({json.dumps(lz_id)}).querySelector('button').click()")
    page.wait_for(
        f"document.getElementById({json.dumps(lz_id)})?.textContent.includes({json.dumps(then_shows)})",
        then_shows,
    )


def test_a_waiting_step_shows_the_system_its_last_error_attempts_and_next_attempt(
    page: Page,
) -> None:
    waiting = row(page, "lz_wait")

    assert waiting["badges"] == ["waiting on bitbucket"]
    assert waiting["waitingSteps"] == ["repository"]
    steps = waiting["cells"]["steps"]
    assert re.search(
        r"repository waits for bitbucket \(2 min so far\) · attempt 3 · next attempt in (39|40) s",
        steps,
    ), steps
    assert f"bitbucket: create repository LABS/payments-api: HTTP 503: {HOSTILE}" in steps
    assert waiting["cells"]["status"].startswith("provisioning")


def test_values_from_the_api_are_text_never_markup(page: Page) -> None:
    assert page.evaluate("document.images.length") == 0
    assert page.evaluate("document.title") == "Landing Zone"


def test_retry_now_is_offered_for_waiting_and_failed_landing_zones_only(page: Page) -> None:
    assert row(page, "lz_wait")["buttons"] == ["Retry now"]
    failed = row(page, "lz_fail")
    assert failed["buttons"] == ["Retry now"]
    assert "pipelines: jenkins: folder labs is read-only" in failed["cells"]["attention"]
    assert row(page, "lz_done")["buttons"] == []
    assert row(page, "lz_done")["badges"] == []


def test_retry_now_posts_with_the_typed_token_and_says_what_came_of_it(
    page: Page, api: CannedApi
) -> None:
    api.retry_status["lz_fail"] = 409

    click_retry(page, "lz_wait", "Retry requested")
    click_retry(page, "lz_fail", "Nothing to retry any more")

    assert api.retries == [("lz_wait", f"Bearer {TOKEN}"), ("lz_fail", f"Bearer {TOKEN}")]


def test_promotions_show_environment_version_status_and_the_change_linked(page: Page) -> None:
    done = row(page, "lz_done")
    assert done["cells"]["promotions"] == (
        "prod 2.0.1 awaiting approval CHG0030002 (authorize)dev 2.0.1 succeeded"
    )
    links = page.evaluate(
        "[...document.getElementById('lz_done').querySelectorAll('.promotion a')]"
        ".map(a => [a.textContent, a.href])"
    )
    assert links == [["CHG0030002", "https://snow.example.internal/change_request.do?sys_id=c2"]]
    assert row(page, "lz_wait")["cells"]["promotions"] == ""
