"""The live collaborators that workflow steps use, installed once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from landingzone.config import Configuration
from landingzone.integrations.base import ApprovalDesk, DeveloperPortal, Mailer, RepositoryHost
from landingzone.integrations.changes import ChangeDesk
from landingzone.integrations.pipelines import PipelineServer
from landingzone.landing_zone.breakers import Breakers
from landingzone.landing_zone.call_limits import CallLimits
from landingzone.landing_zone.store import Store
from landingzone.rendering.classes import ProjectClass


@dataclass(frozen=True)
class Runtime:
    configuration: Configuration
    store: Store
    classes: Mapping[str, ProjectClass]
    repositories: RepositoryHost
    pipelines: PipelineServer
    approvals: ApprovalDesk
    mailer: Mailer
    portal: DeveloperPortal | None = None  # None: no Backstage API configured
    changes: ChangeDesk | None = None  # the change desk promotions open their changes on
    breakers: Breakers = field(default_factory=lambda: Breakers(5, 30.0))
    call_limits: CallLimits = field(default_factory=lambda: CallLimits(8))


_runtime: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _runtime
    _runtime = runtime


def current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("the landing-zone runtime is not installed")
    return _runtime
