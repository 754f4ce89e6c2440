"""`/_sandbox/faults` and `/_sandbox/outage` on the mailbox's HTTP side; they act on its SMTP side.

The HTTP API itself is never affected: it is where tests look at what the server kept.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from landingzone_sandbox.mailbox.faults import SmtpFaultError, SmtpFaultRule, SmtpFaults
from landingzone_sandbox.outage import Outage, OutageError


def _refused(error: ValueError) -> JSONResponse:
    return JSONResponse({"error": str(error)}, status_code=400)


def control_router(faults: SmtpFaults) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", include_in_schema=False)

    @router.post("/faults")
    async def add_fault(request: Request) -> JSONResponse:
        try:
            rule = SmtpFaultRule.parse(json.loads(await request.body()))
        except (ValueError, SmtpFaultError) as error:
            return _refused(error)
        faults.add(rule)
        return JSONResponse(rule.describe(), status_code=201)

    @router.get("/faults")
    def list_faults() -> list[dict[str, object]]:
        return faults.describe()

    @router.delete("/faults")
    def clear_faults() -> Response:
        faults.clear()
        return Response(status_code=204)

    @router.post("/outage")
    async def start_outage(request: Request) -> JSONResponse:
        try:
            outage = Outage.parse(json.loads(await request.body()), allow_retry_after=False)
        except (ValueError, OutageError) as error:
            return _refused(error)
        faults.outage.start(outage)
        return JSONResponse(faults.outage.describe(), status_code=201)

    @router.get("/outage")
    def show_outage() -> dict[str, object]:
        return faults.outage.describe()

    @router.delete("/outage")
    def end_outage() -> Response:
        faults.outage.end()
        return Response(status_code=204)

    return router
