"""Whether a promotion may go ahead, and under which change: pure, before anything is opened.

The platform configuration orders the environments (the keys of `global.environments`) and
governs each (`global.promotion`, overridden per tenant): a digest reaches an environment only
after it succeeded in the one before, and only with no scan finding above the environment's
allowed severity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from landingzone.platform_config import SEVERITIES, PlatformConfig, PromotionPolicy
from landingzone.promotion.models import PromotionRequest


class PolicyRefusal(Exception):
    """The promotion is refused: `status` (409 or 422), the field and why."""

    def __init__(self, status: int, field: str, message: str, kind: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.message = message
        self.kind = kind


@dataclass(frozen=True)
class Verdict:
    environment: str
    policy: PromotionPolicy
    previous_environment: str | None


# Given an environment, whether this digest has succeeded there.
SucceededIn = Callable[[str], bool]


def findings_above(scan: dict[str, int], max_severity: str) -> dict[str, int]:
    """The findings more severe than `max_severity`, by severity, most severe first."""
    allowed = len(SEVERITIES) if max_severity == "none" else SEVERITIES.index(max_severity)
    return {severity: scan[severity] for severity in SEVERITIES[:allowed] if scan[severity]}


def decide(
    request: PromotionRequest, tenant: str, platform: PlatformConfig, succeeded_in: SucceededIn
) -> Verdict:
    """The policy the promotion runs under, or PolicyRefusal."""
    order = platform.environment_names
    if request.environment not in order:
        raise PolicyRefusal(
            422,
            "environment",
            f"unknown environment; expected one of: {', '.join(order)}",
            "value_error",
        )
    policy = platform.promotion_policy(tenant, request.environment)
    position = order.index(request.environment)
    previous = order[position - 1] if position else None
    if previous is not None and not succeeded_in(previous):
        raise PolicyRefusal(
            409,
            "environment",
            f"promote {request.digest} to {previous} first: it has not succeeded there, "
            f"and {request.environment} comes after {previous}",
            "promotion_order",
        )
    above = findings_above(request.scan.model_dump(), policy.max_severity)
    if above:
        total = sum(above.values())
        counts = ", ".join(f"{severity}: {count}" for severity, count in above.items())
        if policy.max_severity == "none":
            ceiling, allowed = "where none are allowed", "no findings"
        else:
            ceiling, allowed = f"above {policy.max_severity}", f"up to {policy.max_severity}"
        plural = "finding" if total == 1 else "findings"
        raise PolicyRefusal(
            422,
            "scan",
            f"{total} {plural} {ceiling} ({counts}); {request.environment} allows {allowed}",
            "scan_above_threshold",
        )
    return Verdict(request.environment, policy, previous)
