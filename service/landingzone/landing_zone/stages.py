"""How a stage fails: any error inside a stage becomes a recorded StageFailed naming it."""

from __future__ import annotations

from typing import Literal

from dbos import error as dbos_error

from landingzone.integrations.base import IntegrationError
from landingzone.landing_zone.progress import Run, stage_failed


class StageFailed(Exception):
    def __init__(self, stage: str, message: str) -> None:
        super().__init__(stage, message)  # both in args, so the error survives pickling
        self.stage = stage
        self.message = message

    def __str__(self) -> str:
        return f"{self.stage}: {self.message}"


def is_engine_control(error: BaseException) -> bool:
    """Cancellation and the like: the workflow engine's business, never a stage failure."""
    return isinstance(
        error, (dbos_error.DBOSBaseException, dbos_error.DBOSAwaitedWorkflowCancelledError)
    )


def failure_message(error: BaseException) -> str:
    if isinstance(error, IntegrationError):
        return str(error)
    return f"unexpected error: {type(error).__name__}: {error}"


class failing_as:
    """Turn any error inside a stage into StageFailed, recording the failure on the stage."""

    def __init__(self, run: Run, stage: str) -> None:
        self.run = run
        self.stage = stage

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> Literal[False]:
        if error is None or not isinstance(error, Exception) or isinstance(error, StageFailed):
            return False
        if is_engine_control(error):
            return False
        message = failure_message(error)
        stage_failed(self.run, self.stage, message)
        raise StageFailed(self.stage, message) from error
