"""Whole-system outages of the HTTP simulators, met with the clients users have: httpx,
requests, python-jenkins, atlassian-python-api, pysnow and git."""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import httpx
import jenkins
import pytest
import requests

from tests.sandbox.test_bitbucket_git import git, make_work_tree
from tests.support.clients import bitbucket, jenkins_server, records, servicenow
from tests.support.sandbox import Sandbox, wait_for

HTTP_SYSTEMS = ("bitbucket", "jenkins", "servicenow")
PROBES = {
    "bitbucket": ("/rest/api/1.0/projects/LABS", "password"),
    "jenkins": ("/api/json", "token"),
    "servicenow": ("/api/now/table/sc_req_item?sysparm_limit=1", "password"),
}


def probe(sandbox: Sandbox, system: str, timeout: float = 10) -> httpx.Response:
    """One authenticated read of the system's own API."""
    path, secret = PROBES[system]
    described = sandbox.description[system]
    auth = (described["username"], described[secret])
    return httpx.get(f"{sandbox.url(system)}{path}", auth=auth, timeout=timeout)


def answers(sandbox: Sandbox, system: str) -> bool:
    try:
        return probe(sandbox, system).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.parametrize("system", HTTP_SYSTEMS)
def test_a_system_is_unavailable_while_down_but_its_controls_answer(
    sandbox: Sandbox, system: str
) -> None:
    assert probe(sandbox, system).status_code == 200
    shown = sandbox.outage(system, 30)
    assert shown["down"] is True and shown["mode"] == "unavailable"
    assert time.time() + 25 < shown["until"] <= time.time() + 30

    down = probe(sandbox, system)
    assert down.status_code == 503
    assert "retry-after" not in down.headers
    assert down.headers["content-type"] == "text/html"  # the load balancer answers
    control = httpx.get(f"{sandbox.url(system)}/_sandbox/outage", timeout=10)
    assert control.json() == shown
    assert httpx.get(f"{sandbox.url(system)}/_sandbox/faults", timeout=10).json() == []

    sandbox.end_outage(system)
    assert probe(sandbox, system).status_code == 200
    control = httpx.get(f"{sandbox.url(system)}/_sandbox/outage", timeout=10)
    assert control.json() == {"down": False, "until": None, "mode": None}


def test_retry_after_is_sent_only_when_asked(sandbox: Sandbox) -> None:
    sandbox.outage("bitbucket", 30, retry_after=120)
    response = probe(sandbox, "bitbucket")
    assert response.status_code == 503 and response.headers["retry-after"] == "120"


def test_vendor_clients_see_503_while_down(sandbox: Sandbox) -> None:
    for system in HTTP_SYSTEMS:
        sandbox.outage(system, 30)

    server = jenkins_server(sandbox)
    with pytest.raises(requests.HTTPError) as from_jenkins:  # as the service's adapter calls it
        server.jenkins_open(requests.Request("GET", f"{sandbox.url('jenkins')}/api/json"))
    with pytest.raises(jenkins.BadHTTPException) as wrapped:
        server.get_whoami()
    assert isinstance(wrapped.value.__context__, requests.HTTPError)
    with pytest.raises(requests.HTTPError) as from_bitbucket:
        bitbucket(sandbox).project("LABS")
    with pytest.raises(requests.HTTPError) as from_servicenow:
        records(servicenow(sandbox), "sc_req_item", {})
    for error in (from_jenkins.value, from_bitbucket.value, from_servicenow.value):
        assert error.response is not None and error.response.status_code == 503


def test_reset_mode_closes_connections_without_an_answer(sandbox: Sandbox) -> None:
    sandbox.outage("jenkins", 30, mode="reset")

    with pytest.raises(httpx.TransportError):
        probe(sandbox, "jenkins")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{sandbox.url('jenkins')}/api/json", timeout=10)
    with pytest.raises(requests.ConnectionError):
        jenkins_server(sandbox).get_whoami()
    assert httpx.get(f"{sandbox.url('jenkins')}/_sandbox/outage", timeout=10).json()["down"]


@pytest.mark.parametrize("mode", ["unavailable", "reset"])
def test_the_system_comes_back_by_itself_when_the_window_ends(sandbox: Sandbox, mode: str) -> None:
    started = time.monotonic()
    sandbox.outage("servicenow", 1, mode=mode)
    assert not answers(sandbox, "servicenow")

    wait_for(lambda: answers(sandbox, "servicenow"), "ServiceNow to come back", timeout=10)
    assert 0.9 <= time.monotonic() - started < 5
    assert records(servicenow(sandbox), "sc_req_item", {}) is not None


def test_slow_mode_answers_after_the_delay_or_when_the_outage_ends(sandbox: Sandbox) -> None:
    sandbox.outage("bitbucket", 30, mode="slow", delay_seconds=0.5)
    started = time.monotonic()
    assert probe(sandbox, "bitbucket").json()["key"] == "LABS"  # the real answer, late
    assert time.monotonic() - started >= 0.5

    sandbox.outage("bitbucket", 30, mode="slow", delay_seconds=20)
    with pytest.raises(httpx.ReadTimeout):
        probe(sandbox, "bitbucket", timeout=0.5)
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(probe, sandbox, "bitbucket", 30)
        with pytest.raises(FutureTimeout):
            waiting.result(timeout=0.5)
        sandbox.end_outage("bitbucket")
        assert waiting.result(timeout=5).status_code == 200


def test_fault_rules_wait_until_the_outage_is_over(sandbox: Sandbox) -> None:
    sandbox.fault("jenkins", path="^/api/json$", status=500)
    sandbox.outage("jenkins", 30)
    assert probe(sandbox, "jenkins").status_code == 503

    sandbox.end_outage("jenkins")
    assert probe(sandbox, "jenkins").status_code == 500
    assert probe(sandbox, "jenkins").status_code == 200


def test_a_held_request_meets_the_outage_that_began_while_it_waited(sandbox: Sandbox) -> None:
    sandbox.fault("servicenow", hold=True, times=1, method="GET", path="^/api/now/table/")
    with ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(probe, sandbox, "servicenow", 30)
        wait_for(lambda: sandbox.faults("servicenow")[0]["hits"] == 1, "the request to be held")
        sandbox.outage("servicenow", 30)
        sandbox.clear_faults("servicenow")
        assert held.result(timeout=10).status_code == 503


@pytest.mark.parametrize(
    "outage",
    [
        {},
        {"seconds": 0},
        {"seconds": "10"},
        {"seconds": 10, "mode": "offline"},
        {"seconds": 10, "mode": "slow"},
        {"seconds": 10, "delay_seconds": 1},
        {"seconds": 10, "mode": "reset", "retry_after": 5},
        {"seconds": 10, "retry_after": -1},
        {"seconds": 10, "until": 0},
    ],
)
def test_an_outage_that_makes_no_sense_is_refused(
    sandbox: Sandbox, outage: dict[str, object]
) -> None:
    response = httpx.post(f"{sandbox.url('jenkins')}/_sandbox/outage", json=outage, timeout=10)
    assert response.status_code == 400 and response.json()["error"]
    assert not httpx.get(f"{sandbox.url('jenkins')}/_sandbox/outage", timeout=10).json()["down"]


def clone_url(sandbox: Sandbox, slug: str) -> str:
    described = sandbox.description["bitbucket"]
    credentials = f"{described['username']}:{described['password']}"
    return f"{sandbox.url('bitbucket')}/scm/labs/{slug}.git".replace(
        "http://", f"http://{credentials}@", 1
    )


def test_git_fails_during_an_outage_and_works_once_it_is_over(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    slug = bitbucket(sandbox).create_repo("LABS", "Outage Proof")["slug"]
    url = clone_url(sandbox, slug)
    work = make_work_tree(tmp_path / "work", {"README.md": "# outage proof\n"})

    sandbox.outage("bitbucket", 30)
    push = git("push", url, "main", cwd=work, check=False)
    assert push.returncode != 0 and "error: 503" in push.stderr
    sandbox.end_outage("bitbucket")
    git("push", "--quiet", url, "main", cwd=work)

    sandbox.outage("bitbucket", 1, mode="reset")
    clone = git("clone", url, str(tmp_path / "refused"), check=False)
    assert clone.returncode != 0 and "reset" in clone.stderr.lower()

    attempts = itertools.count()

    def cloned() -> bool:
        into = tmp_path / f"clone-{next(attempts)}"
        return git("clone", "--quiet", url, str(into), check=False).returncode == 0

    wait_for(cloned, "git clone to work again", timeout=10)
    readmes = [p.read_text() for p in tmp_path.glob("clone-*/README.md")]
    assert readmes == ["# outage proof\n"]


def test_an_outage_of_one_system_leaves_the_others_up(sandbox: Sandbox) -> None:
    sandbox.outage("bitbucket", 30, mode="reset")
    assert not answers(sandbox, "bitbucket")
    assert answers(sandbox, "jenkins") and answers(sandbox, "servicenow")


def test_a_rule_with_a_probability_fails_only_that_share_of_calls(sandbox: Sandbox) -> None:
    sandbox.fault("jenkins", path=r"^/api/json$", status=503, times=0, probability=0.3)
    try:
        statuses = [probe(sandbox, "jenkins").status_code for _ in range(150)]
    finally:
        sandbox.clear_faults("jenkins")
    failed = statuses.count(503)
    assert 15 <= failed <= 80, failed  # about 45; far outside this is a broken dice
    assert statuses.count(200) == 150 - failed
