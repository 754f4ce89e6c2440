"""Who may ask for what, checked at the door: before anything is stored, started or opened.

- The tenant's entitlements (platform configuration, `tenants.<t>.owner_groups` and
  `.classes`) admit the owner group and the class.
- A delegating caller (one that names the signed-in user in X-On-Behalf-Of) asks for that user,
  who must be a member of the owner group (X-On-Behalf-Of-Groups, from the catalog). The body's
  `on_behalf_of`, if given, must name the same user; it is filled in from the header.
- A caller acting as itself needs `landing-zones:operate`, and an identity claim in the body
  (`on_behalf_of`) needs `act-on-behalf` as well.
Every refusal is a 403 naming the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from landingzone.api.callers import ON_BEHALF_OF, Caller, Scope
from landingzone.api.errors import ApiError
from landingzone.landing_zone.models import LandingZoneRequest
from landingzone.landing_zone.runtime import Runtime
from landingzone.landing_zone.service import check_request
from landingzone.landing_zone.store import Record

MEMBERSHIP_RULE = "the requester must be a member of the owner group"
USER_HEADER = "X-On-Behalf-Of"
GROUPS_HEADER = "X-On-Behalf-Of-Groups"


@dataclass(frozen=True)
class Admitted:
    request: LandingZoneRequest  # with `on_behalf_of` set to the delegating caller's user
    basis: str  # why the caller may ask: which rule admitted it, for the audit trail


class NotEntitled(ApiError):
    """A 403 whose message names the rule that refused the request."""

    def __init__(self, field: tuple[str, ...], rule: str) -> None:
        super().__init__(403, field, rule, "forbidden")
        self.rule = rule


def admit(runtime: Runtime, caller: Caller, request: LandingZoneRequest) -> Admitted:
    """The request as it will be stored, or a 422 (invalid) or 403 (not entitled)."""
    platform = runtime.configuration.platform
    check_request(request, platform, runtime.classes)  # an unknown tenant or class: a 422
    principal = caller.on_behalf_of
    if principal is None:
        if not caller.has(Scope.OPERATE):
            raise NotEntitled(
                ("header", ON_BEHALF_OF),
                f"a landing zone is requested for a user: {caller.name} must name the "
                f"signed-in user ({USER_HEADER}) and their groups ({GROUPS_HEADER}), or "
                f"hold the scope {Scope.OPERATE} to request as itself",
            )
        if request.on_behalf_of is not None and not caller.has(Scope.ACT_ON_BEHALF):
            raise NotEntitled(
                ("body", "on_behalf_of"),
                f"naming the user a request is for needs the scope {Scope.ACT_ON_BEHALF}",
            )
        basis = f"as itself, with the scope {Scope.OPERATE}"
    else:
        if request.on_behalf_of not in (None, principal.user):
            raise NotEntitled(
                ("body", "on_behalf_of"),
                f"names {request.on_behalf_of}, but the request is made on behalf of "
                f"{principal.user} ({USER_HEADER}); they must be the same user",
            )
        request = request.model_copy(update={"on_behalf_of": principal.user})
        basis = f"for {principal.user}, a member of {request.owner_ref}"
    refusal = platform.entitlement_refusal(request.tenant, request.owner_ref, request.class_)
    if refusal is not None:
        field, rule = refusal
        raise NotEntitled(("body", field), rule)
    if principal is not None and not principal.member_of(request.owner_ref):
        raise NotEntitled(
            ("body", "owner"),
            f"{principal.user} is not a member of the owner group {request.owner_ref}: "
            f"{MEMBERSHIP_RULE} ({GROUPS_HEADER})",
        )
    return Admitted(request, basis)


def not_a_member(caller: Caller, record: Record) -> str | None:
    """Why the user `caller` acts for may not act on `record`, or None when they may (or when
    the caller acts as itself: its scopes alone decide)."""
    principal = caller.on_behalf_of
    if principal is None:
        return None
    owner = record.landing_zone_request().owner_ref
    if principal.member_of(owner):
        return None
    return f"{principal.user} is not a member of the owner group {owner}: {MEMBERSHIP_RULE}"
