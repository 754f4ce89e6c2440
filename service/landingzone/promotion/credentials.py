"""The promote pipeline's credential: one per landing zone, issued with its pipelines.

The token is made inside the step that hands it to Jenkins, so it is never a step's input or
output (the workflow engine stores those); the service keeps only its SHA-256.
"""

from __future__ import annotations

import secrets

from landingzone.landing_zone import runtime
from landingzone.landing_zone.progress import Run
from landingzone.landing_zone.resilience import external
from landingzone.landing_zone.service import Plan
from landingzone.landing_zone.together import side_by_side
from landingzone.promotion.store import token_hash

TOKEN_BYTES = 32


@side_by_side
@external("jenkins")
def issue_promotion_credential(run: Run, stage: str, plan: Plan) -> str:
    """Put a new token in the landing zone's Jenkins folder and keep its hash; returns its id.

    Issued again on a replay or a retry run: the folder's credential and the hash are replaced
    together, so the latest token is the valid one."""
    rt = runtime.current()
    credential_id = rt.configuration.settings.jenkins.promotion_credentials_id
    token = secrets.token_urlsafe(TOKEN_BYTES)
    rt.pipelines.set_folder_secret(
        plan.names.jenkins_folder,
        credential_id,
        token,
        f"Promotes {plan.name} through the Landing Zone promotion API",
        run.landing_zone_id,
    )
    rt.store.credentials.replace(run.landing_zone_id, token_hash(token))
    return credential_id
