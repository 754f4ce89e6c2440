"""What a landing zone's Jenkins folder gives its pipelines: the pinned shared library and
the platform settings its steps read as folder properties (never as build parameters)."""

from __future__ import annotations

from landingzone.config import Settings
from landingzone.integrations.pipelines import FolderSettings, SharedLibrary
from landingzone.landing_zone.service import Plan

# The names the library's steps read (jenkins-library/vars/landingZoneSetting.groovy).
REGISTRY = "REGISTRY"
IMAGE = "IMAGE"
REGISTRY_CREDENTIALS_ID = "REGISTRY_CREDENTIALS_ID"
PROMOTION_API = "PROMOTION_API"
LANDING_ZONE_ID = "LANDING_ZONE_ID"
PROMOTION_CREDENTIALS_ID = "PROMOTION_CREDENTIALS_ID"


def folder_settings(plan: Plan, landing_zone_id: str, settings: Settings) -> FolderSettings:
    jenkins = settings.jenkins
    library = None
    if jenkins.library_clone_url:
        library = SharedLibrary(
            name=jenkins.library_name,
            version=jenkins.library_version,
            clone_url=jenkins.library_clone_url,
            credentials_id=plan.credentials_id,
        )
    return FolderSettings(
        library=library,
        properties={
            REGISTRY: plan.registry,
            IMAGE: plan.image,
            REGISTRY_CREDENTIALS_ID: jenkins.registry_credentials_id,
            PROMOTION_API: settings.public_url,
            LANDING_ZONE_ID: landing_zone_id,
            PROMOTION_CREDENTIALS_ID: jenkins.promotion_credentials_id,
        },
    )
