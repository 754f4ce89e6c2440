"""An attack campaign against preview and create, in one process: a corpus of hostile values in
every field and hostile bodies (tests/support/hostile.py). Each case is refused with a 4xx that
names its field, or stored and rendered literally. No code runs, no file lands outside its
workspace, no header is injected into an email, no user value reaches a command line, and
afterwards no configured secret is found in logs, events, the database, any answer, any email or
any rendered repository.

The campaign runs once for the module; the figures (cases, 4xx, literal, 5xx, secrets found) are
written to `hostile-campaign.json` in the session's temporary folder and logged.
"""

from __future__ import annotations

import email
import json
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.clients import git_clone
from tests.support.hostile import MARKER_DIR, Case, corpus
from tests.support.in_process import InProcessService, in_process_service
from tests.support.sandbox import TERMINAL, wait_for
from tests.support.simulators import jenkins_folder_secret

ROUTES = ("/v1/landing-zones:preview", "/v1/landing-zones")
PROMOTION_CREDENTIAL = "landingzone-promotion"
# The accepted cases are provisioned all at once.
BUSY = {"LZ_PROVISIONING_CONCURRENCY": "8", "LZ_INTAKE_PER_SECOND": "50"}
# The campaign is one fixture: a few hundred requests, then some forty landing zones provisioned;
# minutes, so `make test` runs it and `make check` leaves it out.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
log = logging.getLogger("tests.hostile")


@dataclass
class Campaign:
    service: InProcessService
    cases: list[Case]
    answers: dict[tuple[str, str], httpx.Response] = field(default_factory=dict)  # (case, route)
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)  # case id: final view
    clones: dict[str, Path] = field(default_factory=dict)  # landing zone id: project clone
    environment_clones: list[Path] = field(default_factory=list)
    commands: list[tuple[Any, bool]] = field(default_factory=list)  # (argv, shell)
    log_lines: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # every answer the API gave
    figures: Path = Path()  # where the campaign's figures are written
    emails: list[bytes] = field(default_factory=list)  # as the mailbox received them
    seconds: dict[str, float] = field(default_factory=dict)

    def outcome(self, case: Case) -> str:
        statuses = {self.answers[(case.id, route)].status_code for route in case.routes}
        if any(status >= 500 for status in statuses):
            return "5xx"
        if all(400 <= status < 500 for status in statuses):
            return "4xx"
        return "literal" if case.id in self.accepted else "other"


class _Lines(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(self.format(record))


def _traced(commands: list[tuple[Any, bool]]) -> Any:
    original = subprocess.Popen.__init__

    def recording(self: subprocess.Popen[Any], args: Any, *rest: Any, **options: Any) -> None:
        commands.append((args, bool(options.get("shell"))))
        original(self, args, *rest, **options)

    return recording


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Campaign]:
    shutil.rmtree(MARKER_DIR, ignore_errors=True)
    lines: list[str] = []
    handler = _Lines(lines)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    commands: list[tuple[Any, bool]] = []
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(subprocess.Popen, "__init__", _traced(commands))
            with in_process_service(tmp_path_factory.mktemp("hostile"), None, **BUSY) as service:
                run = Campaign(service, corpus(), commands=commands, log_lines=lines)
                started = time.monotonic()
                _attack(run)
                run.seconds["requests"] = round(time.monotonic() - started, 1)
                _follow_the_accepted(run, tmp_path_factory.mktemp("clones"))
                run.seconds["provisioning and clones"] = round(
                    time.monotonic() - started - run.seconds["requests"], 1
                )
                run.figures.write_text(
                    json.dumps({**json.loads(run.figures.read_text()), "seconds": run.seconds})
                )
                yield run
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _attack(run: Campaign) -> None:
    client, auth = run.service.client, run.service.auth
    for case in run.cases:
        for route in case.routes:
            headers = {**auth, "Content-Type": "application/json", **case.headers}
            answer = client.post(route, content=case.body, headers=headers)
            run.answers[(case.id, route)] = answer
            run.texts.append(answer.text)


def _follow_the_accepted(run: Campaign, clones: Path) -> None:
    client, auth = run.service.client, run.service.auth
    created = {
        case.id: run.answers[(case.id, ROUTES[1])].headers["Location"]
        for case in run.cases
        if run.answers[(case.id, ROUTES[1])].status_code == 202
    }

    def finished() -> bool:
        views = {cid: client.get(url, headers=auth) for cid, url in created.items()}
        if all(view.json()["status"] in TERMINAL for view in views.values()):
            run.accepted = {cid: view.json() for cid, view in views.items()}
            run.texts += [view.text for view in views.values()]
            return True
        return False

    wait_for(finished, "every accepted landing zone to finish", timeout=300, interval=1)
    for view in run.accepted.values():
        events = client.get(f"/v1/landing-zones/{view['id']}/events", headers=auth)
        run.texts.append(events.text)
        if view["status"] == "completed":
            project = view["links"]["clone"]
            environment = project.removesuffix(".git") + "-env.git"
            run.clones[view["id"]] = git_clone(run.service, project, clones / view["id"])
            run.environment_clones.append(
                git_clone(run.service, environment, clones / f"{view['id']}-env")
            )
    listing = client.get("/v1/landing-zones", params={"limit": 200}, headers=auth)
    run.texts.append(listing.text)
    run.emails = _read_mailbox(run.service.url("mailbox"))
    figures = {
        "cases": len(run.cases),
        "requests": len(run.answers),
        **{kind: sum(run.outcome(c) == kind for c in run.cases) for kind in ("4xx", "literal")},
        "5xx": sum(run.outcome(c) == "5xx" for c in run.cases),
        "accepted landing zones": len(run.accepted),
        "completed": sum(v["status"] == "completed" for v in run.accepted.values()),
    }
    run.figures = clones.parent / "hostile-campaign.json"
    run.figures.write_text(json.dumps(figures, indent=2))
    log.warning("hostile campaign: %s", json.dumps(figures))


# ---------------------------------------------------------------- every case


def test_the_corpus_is_large_and_reaches_every_field(campaign: Campaign) -> None:
    assert len(campaign.cases) >= 60
    aimed = {case.aims_at[:3] for case in campaign.cases}
    for target in [
        ("body", "name"), ("body", "class"), ("body", "owner"), ("body", "tenant"),
        ("body", "system"), ("body", "description"), ("body", "on_behalf_of"),
        ("body", "requester", "name"), ("body", "requester", "email"),
        ("body", "parameters", "groupId"), ("body", "parameters", "apiPrefix"),
        ("body", "parameters", "basePath"), ("body", "parameters"), ("body",),
        ("header", "Idempotency-Key"),
    ]:  # fmt: skip
        assert target in aimed, target


def test_no_case_is_a_server_error_and_preview_and_create_agree(campaign: Campaign) -> None:
    outcomes = {case.id: campaign.outcome(case) for case in campaign.cases}
    assert [cid for cid, outcome in outcomes.items() if outcome in ("5xx", "other")] == []


def test_each_refusal_names_the_field_it_aims_at(campaign: Campaign) -> None:
    misnamed = []
    for case in campaign.cases:
        for route in case.routes:
            answer = campaign.answers[(case.id, route)]
            if answer.status_code < 400:
                continue
            locs = [tuple(problem["loc"]) for problem in answer.json()["detail"]]
            whole_body = answer.status_code == 413 and locs == [("body",)]
            if not whole_body and not any(loc[: len(case.aims_at)] == case.aims_at for loc in locs):
                misnamed.append((case.id, route, case.aims_at, locs))
    assert misnamed == []


def test_each_accepted_value_is_stored_and_rendered_literally(campaign: Campaign) -> None:
    by_id = {case.id: case for case in campaign.cases}
    checked = 0
    for case_id, view in campaign.accepted.items():
        case = by_id[case_id]
        assert case.value is not None
        assert view["status"] == "completed", (case_id, view["error"])
        clone = campaign.clones[view["id"]]
        where = case.aims_at[1:]
        if where == ("description",):
            catalog = yaml.safe_load((clone / "catalog-info.yaml").read_text())
            assert view["description"] == case.value
            assert catalog["metadata"]["description"] == case.value
        elif where == ("requester", "name"):
            assert view["requester"]["name"] == case.value
            assert case.value in _email_text(campaign, view["name"])
            assert _git(clone, "log", "-1", "--format=%an") == _as_git_ident(case.value)
        elif where == ("requester", "email"):
            assert view["requester"]["email"] == case.value
            assert _git(clone, "log", "-1", "--format=%ae") == case.value
        elif where[0] == "parameters":  # a value its pattern allows, e.g. an API prefix
            answers = yaml.safe_load((clone / ".landingzone-answers.yml").read_text())
            assert answers["parameters"][where[1]] == case.value
        else:
            pytest.fail(f"{case_id}: {where} was accepted: {case.value!r}")
        checked += 1
    assert checked == len(campaign.accepted) > 10


def _as_git_ident(name: str) -> str:
    """What git keeps of an author name: no angle brackets, no "crud" at either end."""
    return name.replace("<", "").replace(">", "").strip(" .,:;\"'\\\t")


def _read_mailbox(mailbox: str) -> list[bytes]:
    listed = httpx.get(f"{mailbox}/api/v1/messages", params={"limit": 1000}, timeout=10).json()
    return [
        httpx.get(f"{mailbox}/api/v1/message/{m['ID']}/raw", timeout=10).content
        for m in listed["messages"]
    ]


def _email_text(campaign: Campaign, landing_zone_name: str) -> str:
    """The plain text of the email about the landing zone, decoded."""
    for raw in campaign.emails:
        message = email.message_from_bytes(raw, policy=policy.default)
        if landing_zone_name in str(message["Subject"]):
            assert isinstance(message, email.message.EmailMessage)
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            return str(body.get_content())
    raise AssertionError(f"no email about {landing_zone_name}")


def _git(clone: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=clone, capture_output=True, text=True, check=True
    ).stdout.strip()


# ---------------------------------------------------------------- nothing runs, nothing escapes


def test_no_code_ran_and_no_file_landed_outside_a_workspace(campaign: Campaign) -> None:
    assert not MARKER_DIR.exists()
    root = campaign.service.layout.root
    strays = [
        path
        for path in root.rglob("*")
        if path.name in ("escaped", "ran", "passwd", "system32") or ".." in path.parts
    ]
    assert strays == []
    evidence = str(7 * 191)
    for clone in campaign.clones.values():
        for path in clone.rglob("*"):
            assert path.resolve().is_relative_to(clone.resolve()), path
            if path.is_file() and ".git" not in path.parts:
                text = path.read_text(errors="replace")
                assert evidence not in text, path  # no template evaluated {{ 7*191 }}


def test_no_user_value_reaches_a_shell_or_a_command_line(campaign: Campaign) -> None:
    assert campaign.commands, "the provisioning ran no git at all"
    assert [argv for argv, shell in campaign.commands if shell or isinstance(argv, str)] == []
    programs = {Path(str(argv[0])).name for argv, _ in campaign.commands}
    assert programs <= {"git", Path(sys.executable).name}, programs
    hostile = {case.value for case in campaign.cases if case.value and len(case.value) >= 5}
    reached = [
        (value, argv)
        for argv, _ in campaign.commands
        for value in hostile
        if any(value in str(part) for part in argv)
    ]
    assert reached == []


def test_no_header_is_injected_into_an_email(campaign: Campaign) -> None:
    recipients = {view["requester"]["email"] for view in campaign.accepted.values()}
    raws = campaign.emails
    assert len(raws) >= len(campaign.accepted), "an accepted landing zone sent no email"
    for raw in raws:
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        names = {
            line.split(b":", 1)[0].strip().lower()
            for line in head.splitlines()
            if line and not line[:1].isspace()
        }
        assert not names & {b"bcc", b"cc", b"reply-to"}, names
        message = email.message_from_bytes(raw, policy=policy.default)
        assert len(message.get_all("To", [])) == 1
        assert {a.addr_spec for a in message["To"].addresses} <= recipients
        assert not {"\n", "\r"} & set(str(message["Subject"]))


# ---------------------------------------------------------------- secrets


def _secrets(run: Campaign) -> dict[str, str]:
    env, description = run.service.environment, run.service.description
    found = {
        "bitbucket password": env["LZ_BITBUCKET_PASSWORD"],
        "bitbucket webhook secret": env["LZ_BITBUCKET_WEBHOOK_SECRET"],
        "jenkins token": env["LZ_JENKINS_TOKEN"],
        "jenkins notifyCommit token": env["LZ_JENKINS_NOTIFY_COMMIT_TOKEN"],
        "servicenow password": env["LZ_SERVICENOW_PASSWORD"],
        "servicenow callback secret": env["LZ_SERVICENOW_CALLBACK_SECRET"],
    }
    found |= {
        f"api token of {name}": token
        for name, (_, token) in run.service.layout.api_callers().items()
    }
    found |= {
        f"approver {a['username']} password": a["password"]
        for a in description["servicenow"]["approvers"]
    }
    for view in run.accepted.values():
        folder = f"{view['tenant']}/{view['name']}"
        secret = jenkins_folder_secret(
            run.service.layout.root / "jenkins", folder, PROMOTION_CREDENTIAL
        )
        if secret:
            found[f"promotion credential of {folder}"] = secret
    return {name: value for name, value in found.items() if value}


def test_after_the_campaign_no_secret_is_anywhere(campaign: Campaign) -> None:
    service_data = campaign.service.layout.root / "service"
    database = "\n".join(
        p.read_bytes().decode("latin-1") for p in sorted(service_data.glob("*.sqlite*"))
    )
    mails = [raw.decode("latin-1") for raw in campaign.emails]
    clones = [*campaign.clones.values(), *campaign.environment_clones]
    repositories = [
        path.read_text(errors="replace")
        for clone in clones
        for path in clone.rglob("*")
        if path.is_file() and ".git" not in path.parts
    ] + [_git(clone, "log", "--format=%an %ae %B") for clone in clones]
    places = {
        "API answers and events": "\n".join(campaign.texts),
        "logs": "\n".join(campaign.log_lines),
        "database": database,
        "emails": "\n".join(mails),
        "rendered repositories": "\n".join(repositories),
    }
    secrets = _secrets(campaign)
    assert len(secrets) >= 9 and database and campaign.log_lines and repositories
    leaks = [
        (name, place)
        for name, value in secrets.items()
        for place, text in places.items()
        if value in text
    ]
    scanned = {place: len(text) for place, text in places.items()}
    figures = {"secrets": len(secrets), "found": len(leaks), "characters scanned": scanned}
    (campaign.figures.parent / "hostile-secrets.json").write_text(json.dumps(figures, indent=2))
    log.warning("secret scan: %s", json.dumps(figures))
    assert leaks == []
