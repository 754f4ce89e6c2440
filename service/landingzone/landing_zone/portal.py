"""Backstage after the outcome: the new component in the catalog, the requester notified.

Both happen after the point of no return, so neither may fail or undo a landing zone: a
transient fault is waited out like any other, a refusal is noted as an event and passed over.
Whether Backstage is configured is decided inside the steps, so a workflow replayed after a
configuration change takes the same steps.
"""

from __future__ import annotations

from collections.abc import Mapping

from landingzone.integrations.base import IntegrationError, Notification, Severity
from landingzone.landing_zone import runtime
from landingzone.landing_zone.notifications import outcome_title
from landingzone.landing_zone.progress import Run, note
from landingzone.landing_zone.resilience import external
from landingzone.landing_zone.service import Plan

_SEVERITY: dict[str, Severity] = {"completed": "normal", "rejected": "high", "failed": "high"}


NOT_CONFIGURED = "no Backstage API configured"


@external("backstage")
def register_component(run: Run, stage: str, location_url: str) -> str:
    """What became of the location: registered, already registered, or why not tried."""
    portal = runtime.current().portal
    if portal is None:
        return NOT_CONFIGURED
    new = portal.register_component(location_url)
    return "registered in the Backstage catalog" if new else "already in the Backstage catalog"


@external("backstage")
def notify_requester(run: Run, stage: str, notification: Notification) -> str | None:
    """None once sent; otherwise why it was not."""
    portal = runtime.current().portal
    if portal is None:
        return NOT_CONFIGURED
    if not portal.notifications_enabled:
        return "notifications are off"
    portal.notify(notification)
    return None


def register_in_catalog(run: Run, stage: str, links: Mapping[str, str]) -> None:
    location = links.get("catalog_info")
    if not location:
        note(run, "catalog", stage, "catalog: no catalog-info.yaml link; not registered", {})
        return
    try:
        outcome = register_component(run, stage, location)
    except IntegrationError as error:
        note(run, "catalog", stage, f"catalog: not registered: {error}", {"error": str(error)})
        return
    if outcome == NOT_CONFIGURED:
        note(run, "catalog", stage, f"catalog: {NOT_CONFIGURED}; not registered", {})
        return
    note(run, "catalog", stage, f"catalog: {location} {outcome}", {"location": location})


def notify_in_portal(
    run: Run,
    stage: str,
    plan: Plan,
    outcome: str,
    links: Mapping[str, str],
    status_url: str,
    reason: str = "",
) -> None:
    key = f"portal-{outcome}"
    if not plan.requester_ref:
        why = "the request names no Backstage user"
        note(run, key, stage, f"notify: no Backstage notification: {why}", {})
        return
    notification = _notification(run, plan, plan.requester_ref, outcome, links, status_url, reason)
    try:
        why_not = notify_requester(run, stage, notification)
    except IntegrationError as error:
        message = f"notify: Backstage notification not sent: {error}"
        note(run, key, stage, message, {"error": str(error)})
        return
    if why_not is not None:
        note(run, key, stage, f"notify: no Backstage notification: {why_not}", {})
        return
    note(
        run,
        key,
        stage,
        "notify: Backstage notification sent to the requester",
        {"recipient": plan.requester_ref},
    )


def _notification(
    run: Run,
    plan: Plan,
    user_ref: str,
    outcome: str,
    links: Mapping[str, str],
    status_url: str,
    reason: str,
) -> Notification:
    urls = {k: v for k, v in links.items() if v.startswith(("http://", "https://"))}
    listed = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in urls.items())
    description = " ".join(part for part in (reason and f"{reason}.", listed) if part)
    link = urls.get("catalog_entity") if outcome == "completed" else urls.get("approval")
    return Notification(
        user_ref=user_ref,
        title=outcome_title(outcome, plan.name),
        description=description or f"Landing zone {plan.landing_zone_id}",
        link=link or status_url,
        severity=_SEVERITY[outcome],
        scope=f"landing-zone:{plan.landing_zone_id}:{outcome}:{run.number}",
    )
