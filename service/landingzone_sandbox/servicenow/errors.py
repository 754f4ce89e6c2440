"""The error every part of the simulated instance answers with."""

from __future__ import annotations

OPERATION_FAILED = "Operation Failed"


class TableError(Exception):
    """An error answered with ServiceNow's `{"error": {...}, "status": "failure"}` envelope."""

    def __init__(self, status: int, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail


def write_aborted(detail: str) -> TableError:
    """A write a business rule or a data policy aborted: 403 "Operation Failed"."""
    return TableError(403, OPERATION_FAILED, detail)
