"""One stage of a landing zone: started, then finished, skipped or failed, each recorded once.

    with stage(run, "render") as current:
        ...
        current.finished("render: 12 files from the java template")

Any error inside the block becomes a StageFailed naming the stage, after the failure is recorded
on it; the workflow engine's own control exceptions (a cancel) pass through untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dbos import error as dbos_error

from landingzone.integrations.base import IntegrationError
from landingzone.landing_zone.progress import Run, stage_failed, stage_finished, stage_started


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


class Stage:
    """A stage in progress; the block says how it ended by calling one of these once."""

    def __init__(self, run: Run, name: str) -> None:
        self.run = run
        self.name = name
        self.ended = False

    def finished(self, message: str, data: Mapping[str, Any] | None = None) -> None:
        """Personal data (who approved) goes in `data`: the message is logged, `data` is not."""
        self._ending()
        stage_finished(self.run, self.name, message, data=data)
        self.ended = True

    def skipped(self, message: str) -> None:
        """Nothing was needed, e.g. an approval that policy grants."""
        self._ending()
        stage_finished(self.run, self.name, message, skipped=True)
        self.ended = True

    def failed(self, message: str, data: Mapping[str, Any] | None = None) -> None:
        """An outcome that ends the stage without an error, e.g. a rejection."""
        self._ending()
        stage_failed(self.run, self.name, message, data)
        self.ended = True

    def _ending(self) -> None:
        if self.ended:
            raise RuntimeError(f"stage {self.name} has already ended")


@contextmanager
def stage(run: Run, name: str) -> Iterator[Stage]:
    stage_started(run, name)
    current = Stage(run, name)
    try:
        yield current
    except StageFailed:
        raise
    except Exception as error:
        if is_engine_control(error):
            raise
        message = failure_message(error)
        if not current.ended:
            stage_failed(run, name, message)
        raise StageFailed(name, message) from error
    if not current.ended:
        raise RuntimeError(f"stage {name} ended without saying how")
