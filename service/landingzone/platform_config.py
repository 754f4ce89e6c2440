"""The platform configuration file: tenants, their environments and the promotion policies.

Loaded and validated once (Configuration.platform in config.py); every refusal names the
setting at fault.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ChangeKind = Literal["none", "standard", "normal"]
# Scan severities, most severe first; `none` as a ceiling allows no finding at all.
SEVERITIES = ("critical", "high", "medium", "low")
MaxSeverity = Literal["critical", "high", "medium", "low", "none"]


class PromotionPolicy(_Strict):
    """How a promotion into one environment is governed.

    `change`: none (deploy at once), standard (a pre-approved change, recorded) or normal (a
    change the approval group must authorize). `max_severity`: the most severe scan finding
    allowed; findings above it refuse the promotion. `approval_group`: the ServiceNow group asked
    to authorize a normal change (the change advisory board); without one, the tenant's."""

    change: ChangeKind
    max_severity: MaxSeverity
    approval_group: str | None = None


class PromotionOverride(_Strict):
    """A tenant's override of one environment's policy; what it leaves out stays global."""

    change: ChangeKind | None = None
    max_severity: MaxSeverity | None = None
    approval_group: str | None = None


# An environment the platform configuration gives no policy: governed as strictly as prod.
STRICTEST_POLICY = PromotionPolicy(change="normal", max_severity="low")


class GlobalScope(_Strict):
    registry: str
    lifecycle: str = "experimental"
    jenkins_credentials_id: str = "bitbucket-http"
    default_branch: str = "main"
    failure_policy: Literal["compensate", "keep"] = "compensate"
    # The ServiceNow catalog item ordered for a landing zone (its name or sys_id).
    servicenow_catalog_item: str | None = None
    branch_restrictions: list[Literal["no-deletes", "fast-forward-only", "pull-request-only"]] = []
    environments: dict[str, dict[str, Any]] = {}
    # Environment -> how promotions into it are governed; the order is that of `environments`.
    promotion: dict[str, PromotionPolicy] = {}


class ProjectScope(_Strict):
    environments: dict[str, dict[str, Any]] = {}


GROUP_REF = re.compile(r"^group:[a-z0-9][a-z0-9_-]{0,62}/[a-z0-9][a-z0-9._-]{0,62}$")
CLASS_ID = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
Everyone = Literal["all"]


class Tenant(_Strict):
    title: str
    # Who may request landing zones in the tenant: owner group entity references, or `all`.
    owner_groups: Everyone | tuple[str, ...]
    # Which classes may be requested in it: class ids, or `all` (the default).
    classes: Everyone | tuple[str, ...] = "all"
    bitbucket_project: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")
    jenkins_folder: str = Field(pattern=r"^[a-z][a-z0-9-]{0,62}$")
    approval: Literal["automatic", "required"] = "required"
    approval_group: str | None = None
    servicenow_catalog_item: str | None = None  # overrides the global one
    owner_permission: Literal["REPO_READ", "REPO_WRITE", "REPO_ADMIN"] = "REPO_WRITE"
    # "standard": each rollout wave's landing zones of this tenant are covered by a standard
    # change in ServiceNow, implemented during the wave and closed with its outcome.
    rollout_change: Literal["none", "standard"] = "none"
    environments: dict[str, dict[str, Any]] = {}
    projects: dict[str, ProjectScope] = {}
    promotion: dict[str, PromotionOverride] = {}

    @field_validator("owner_groups")
    @classmethod
    def _group_references(cls, value: Everyone | tuple[str, ...]) -> Everyone | tuple[str, ...]:
        if value == "all":
            return value
        wrong = [group for group in value if not GROUP_REF.fullmatch(group)]
        if wrong:
            raise ValueError(
                f"{', '.join(map(repr, wrong))}: not a group entity reference such as "
                "group:default/payments (or `all`)"
            )
        return value

    @field_validator("classes")
    @classmethod
    def _class_ids(cls, value: Everyone | tuple[str, ...]) -> Everyone | tuple[str, ...]:
        if value == "all":
            return value
        wrong = [class_id for class_id in value if not CLASS_ID.fullmatch(class_id)]
        if wrong:
            raise ValueError(f"{', '.join(map(repr, wrong))}: not a class id (or `all`)")
        return value

    def admits_owner(self, owner_ref: str) -> bool:
        return self.owner_groups == "all" or owner_ref in self.owner_groups

    def admits_class(self, class_id: str) -> bool:
        return self.classes == "all" or class_id in self.classes


class PlatformConfig(_Strict):
    global_: GlobalScope = Field(alias="global")
    tenants: dict[str, Tenant]

    @model_validator(mode="after")
    def _promotion_names_environments(self) -> PlatformConfig:
        known = set(self.global_.environments)
        scopes = [("global.promotion", self.global_.promotion)] + [
            (f"tenants.{name}.promotion", tenant.promotion) for name, tenant in self.tenants.items()
        ]
        for where, policies in scopes:
            unknown = sorted(set(policies) - known)
            if unknown:
                raise ValueError(
                    f"{where} names environments that global.environments does not: "
                    f"{', '.join(unknown)}"
                )
        return self

    @model_validator(mode="after")
    def _normal_changes_have_approvers(self) -> PlatformConfig:
        for tenant in self.tenants:
            for environment in self.global_.environments:
                normal = self.promotion_policy(tenant, environment).change == "normal"
                if normal and not self.change_approval_group(tenant, environment):
                    raise ValueError(
                        f"tenants.{tenant}: promotions to {environment} need a normal change, "
                        "but no approval_group authorizes it (set it in the promotion policy "
                        "or on the tenant)"
                    )
        return self

    @classmethod
    def load(cls, path: Path) -> PlatformConfig:
        with path.open(encoding="utf-8") as handle:
            return cls.model_validate(yaml.safe_load(handle))

    @model_validator(mode="after")
    def _only_global_environments(self) -> PlatformConfig:
        """A tenant or project may tune an environment of the platform, never add one."""
        known = self.environment_names
        for tenant_name, tenant in self.tenants.items():
            scopes = {f"tenants.{tenant_name}.environments": tenant.environments}
            for project_name, project in tenant.projects.items():
                where = f"tenants.{tenant_name}.projects.{project_name}.environments"
                scopes[where] = project.environments
            for where, environments in scopes.items():
                unknown = [name for name in environments if name not in known]
                if unknown:
                    raise ValueError(
                        f"{where}: {', '.join(map(str, unknown))} is not in global.environments "
                        f"({', '.join(known) or 'none'})"
                    )
        return self

    def check_classes(self, known: Iterable[str]) -> None:
        """Refuse a tenant's `classes` naming a class the templates do not have."""
        have = set(known)
        for name, tenant in self.tenants.items():
            unknown = [] if tenant.classes == "all" else sorted(set(tenant.classes) - have)
            if unknown:
                raise ValueError(
                    f"tenants.{name}.classes names classes there is no template for: "
                    f"{', '.join(unknown)} (known: {', '.join(sorted(have))})"
                )

    def entitlement_refusal(
        self, tenant: str, owner_ref: str, class_id: str
    ) -> tuple[str, str] | None:
        """The request field the tenant's entitlements refuse (`owner` or `class`) and why, or
        None when they admit both. The reason names the rule, so a platform team finds the line
        to change."""
        entitlements = self.tenants[tenant]
        if not entitlements.admits_owner(owner_ref):
            return "owner", (
                f"tenant {tenant}: owner group {owner_ref} is not entitled "
                f"(tenants.{tenant}.owner_groups)"
            )
        if not entitlements.admits_class(class_id):
            return "class", (
                f"tenant {tenant}: class {class_id} is not allowed (tenants.{tenant}.classes)"
            )
        return None

    @property
    def environment_names(self) -> tuple[str, ...]:
        """The platform's environments in promotion order: the keys of global.environments."""
        return tuple(str(name) for name in self.global_.environments)

    def catalog_item(self, tenant: str) -> str | None:
        return self.tenants[tenant].servicenow_catalog_item or self.global_.servicenow_catalog_item

    def change_approval_group(self, tenant: str, environment: str) -> str | None:
        """The group that authorizes a normal change into `environment` for `tenant`."""
        group = self.promotion_policy(tenant, environment).approval_group
        return group or self.tenants[tenant].approval_group

    def approval_groups(self) -> tuple[str, ...]:
        """Every ServiceNow group the configuration asks: tenants' and change approvers'."""
        groups = {tenant.approval_group for tenant in self.tenants.values()}
        for tenant in self.tenants:
            groups.update(self.change_approval_group(tenant, env) for env in self.environment_names)
        return tuple(sorted(group for group in groups if group))

    def promotion_policy(self, tenant: str, environment: str) -> PromotionPolicy:
        """The global policy of `environment`, with what `tenant` overrides."""
        policy = self.global_.promotion.get(environment, STRICTEST_POLICY)
        override = self.tenants[tenant].promotion.get(environment)
        if override is None:
            return policy
        return policy.model_copy(update=override.model_dump(exclude_none=True))

    def environment_scopes(self, tenant: str, name: str) -> list[tuple[str, dict[str, Any]]]:
        """Environment maps ordered from least to most specific."""
        tenant_config = self.tenants[tenant]
        project = tenant_config.projects.get(name, ProjectScope())
        return [
            ("global", self.global_.environments),
            ("tenant", tenant_config.environments),
            ("project", project.environments),
        ]
