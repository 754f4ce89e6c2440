"""The landing zone card in headless Chromium: its dev page, served by the test Backstage,
mounts the card with Backstage's real API clients, signed in as Jane; the card reads and
retries through the landing-zone backend plugin, which calls the sandbox's service."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e_backstage.backstage import REPO_ROOT, Backstage
from tests.support.browser import Browser, Page, chromium_binary, headless_chromium
from tests.support.sandbox import Sandbox, request_body, wait_for

pytestmark = pytest.mark.e2e

# Screenshots of the card, kept after the run (git-ignored with the rest of var/).
ARTIFACTS = REPO_ROOT / "var" / "artifacts" / "backstage-card"
LINK_TITLES = {
    "repository": "Repository",
    "environment_repository": "Environment repository",
    "build_pipeline": "Build pipeline",
    "promote_pipeline": "Promote pipeline",
    "catalog_info": "catalog-info.yaml",
    "catalog_entity": "Catalog entity",
}
STATUS = "(document.querySelector('[data-testid=landing-zone-status]')?.innerText ?? '')"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no Chromium: install chromium (make browser) or set LZ_CHROMIUM")
    with headless_chromium(binary) as running:
        yield running


def open_card(browser: Browser, backstage: Backstage, name: str) -> Page:
    """The card of component `name`, as Jane sees it; it reads again every second."""
    page = browser.new_page()
    page.resize(760, 1400)
    page.navigate(
        f"{backstage.base_url}/api/landingzone-dev/?entity=component:default/{name}&poll=1000"
    )
    return page


def wait_for_status(page: Page, words: str, timeout_ms: int = 60_000) -> str:
    text: str = page.wait_for(
        f"{STATUS}.includes({json.dumps(words)}) && {STATUS}", words, timeout_ms
    )
    return text


def shown_links(page: Page) -> dict[str, str]:
    """The Links section's links: visible text (without the screen reader's "opens in a new
    window") to address."""
    found: list[list[str]] = page.evaluate(
        "[...document.querySelector('section[aria-label=Links]').querySelectorAll('a')]"
        ".map(a => [a.innerText.replace(/, Opens in a new window/, '').trim(), a.href])"
    )
    return dict((title, href) for title, href in found)


def component(backstage: Backstage, name: str) -> dict[str, Any]:
    found: dict[str, Any] = wait_for(
        lambda: backstage.entity("component", name), f"{name} in the catalog", timeout=90
    )
    return found


def test_a_completed_landing_zone_shows_its_status_and_every_link(
    backstage: Backstage, backstage_sandbox: Sandbox, browser: Browser
) -> None:
    accepted = backstage_sandbox.create(request_body("card-orders"))
    done = backstage_sandbox.wait_status(accepted["id"], {"completed", "failed"})
    assert done["status"] == "completed", done["error"]
    entity = component(backstage, "card-orders")
    assert entity["metadata"]["annotations"]["landingzone.io/id"] == accepted["id"]

    started = time.monotonic()
    page = open_card(browser, backstage, "card-orders")
    status = wait_for_status(page, "Completed")
    print(f"card shown in {time.monotonic() - started:.1f} s")

    assert status == "Completed"
    links = shown_links(page)
    for key, title in LINK_TITLES.items():
        assert links.get(title) == done["links"][key], (title, links)
    approval = page.evaluate(
        "document.querySelector('[data-testid=landing-zone-approval]').innerText"
    )
    assert approval.startswith(done["links"]["request_number"])
    assert "approved by policy" in approval
    template = page.evaluate(
        "document.querySelector('[data-testid=landing-zone-template]').innerText"
    )
    assert template == f"Template java {done['template_version']} (the latest)"
    assert page.evaluate("document.querySelectorAll('button').length") == 0  # nothing to do
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(ARTIFACTS / "completed.png")
    assert (ARTIFACTS / "completed.png").read_bytes().startswith(b"\x89PNG")
    page.close()


def test_a_failed_landing_zone_offers_retry_and_the_retry_completes_it(
    backstage: Backstage, backstage_sandbox: Sandbox, browser: Browser
) -> None:
    # Jenkins refuses this landing zone's build job: it fails after its repository was pushed.
    backstage_sandbox.fault(
        "jenkins", method="POST", path=r"/job/labs/job/card-retry/createItem", status=400, times=0
    )
    accepted = backstage_sandbox.create(request_body("card-retry"))
    failed = backstage_sandbox.wait_status(accepted["id"], {"failed", "completed"})
    assert failed["status"] == "failed" and failed["error"]["step"] == "pipelines"
    # Its team registers the pushed catalog-info.yaml while the platform team looks into it.
    backstage.register_location(failed["links"]["catalog_info"])
    component(backstage, "card-retry")

    page = open_card(browser, backstage, "card-retry")
    wait_for_status(page, "Failed")
    assert "pipelines:" in page.evaluate(
        "document.querySelector('section[aria-label=Status]').innerText"
    )
    buttons = page.evaluate("[...document.querySelectorAll('button')].map(b => b.innerText)")
    assert buttons == ["RETRY"] or buttons == ["Retry"], buttons
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(ARTIFACTS / "failed.png")

    backstage_sandbox.clear_faults("jenkins")
    page.evaluate(
        "[...document.querySelectorAll('button')].find(b => /retry/i.test(b.innerText)).click()"
    )
    page.wait_for(
        "document.querySelector('[role=status]')?.innerText === 'Retry requested'", "the retry"
    )
    wait_for_status(page, "Completed", timeout_ms=120_000)

    assert backstage_sandbox.get(accepted["id"])["status"] == "completed"
    assert page.evaluate("document.querySelectorAll('button').length") == 0
    page.screenshot(ARTIFACTS / "retried.png")
    page.close()
