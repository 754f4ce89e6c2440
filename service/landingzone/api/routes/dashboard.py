"""The platform team's dashboard. It holds no data: the browser reads the API with the user's
token, and with the same token asks for a retry of a waiting or failed landing zone."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["operations"])

_PAGE = files("landingzone.api").joinpath("static/dashboard.html").read_text(encoding="utf-8")
_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'"
)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def dashboard() -> HTMLResponse:
    return HTMLResponse(
        _PAGE, headers={"Content-Security-Policy": _POLICY, "X-Content-Type-Options": "nosniff"}
    )
