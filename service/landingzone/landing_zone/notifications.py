"""The email a requester receives when a landing zone ends, in plain text and HTML."""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import Environment, PackageLoader, select_autoescape

from landingzone.integrations.base import MailMessage
from landingzone.landing_zone.service import Plan

_environment = Environment(
    loader=PackageLoader("landingzone.landing_zone", "mail"),
    autoescape=select_autoescape(["html.j2"]),
    keep_trailing_newline=True,
)

LINK_LABELS = {
    "repository": "Repository",
    "clone": "Clone",
    "environment_repository": "Environment repository",
    "build_pipeline": "Build pipeline",
    "first_build": "First build",
    "promote_pipeline": "Promote pipeline",
    "approval": "ServiceNow request",
    "catalog_entity": "Backstage catalog entity",
    "catalog_info": "Catalog descriptor (catalog-info.yaml)",
}

_SUBJECTS = {
    "completed": "Your landing zone {name} is ready",
    "rejected": "Your landing zone {name} was not approved",
    "failed": "Your landing zone {name} could not be completed",
    "cancelled": "Your landing zone {name} was cancelled",
}


def outcome_title(status: str, name: str) -> str:
    """What the email's subject and the Backstage notification's title say."""
    return _SUBJECTS[status].format(name=name)


def outcome_message(
    plan: Plan,
    status: str,
    links: Mapping[str, str],
    status_url: str,
    reason: str = "",
    *,
    run_number: int = 0,
    copy_to: str | None = None,
) -> MailMessage:
    """The outcome email; every link that is a URL is listed, known ones first."""
    urls = {key: value for key, value in links.items() if value.startswith(("http://", "https://"))}
    listed = [(label, urls[key]) for key, label in LINK_LABELS.items() if key in urls]
    listed += [
        (key.replace("_", " ").capitalize(), url)
        for key, url in urls.items()
        if key not in LINK_LABELS
    ]
    context = {
        "requester_name": plan.requester_name,
        "name": plan.name,
        "class_title": plan.class_id,
        "tenant": plan.tenant,
        "status": status,
        "reason": reason,
        "links": listed,
        "status_url": status_url,
    }
    return MailMessage(
        message_id=f"<{plan.landing_zone_id}.{status}{_run_suffix(run_number)}@landingzone>",
        to=(plan.requester_email, *([copy_to] if copy_to else [])),
        subject=outcome_title(status, plan.name),
        text=_environment.get_template("outcome.txt.j2").render(context),
        html=_environment.get_template("outcome.html.j2").render(context),
    )


def _run_suffix(run_number: int) -> str:
    """Each run that ends gets its own message id; replays of one run keep theirs."""
    return f".run-{run_number}" if run_number else ""
