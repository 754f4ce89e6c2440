"""The platform team's dashboard. It holds no data: the browser reads the API with the user's
token, and with the same token asks for a retry of a waiting or failed landing zone.

The page, its script and its style are three files, so its Content-Security-Policy allows
scripts and styles from the service itself only: nothing inline, nothing injected runs.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

router = APIRouter(tags=["operations"])

_STATIC = files("landingzone.api").joinpath("static")
_PAGE = _STATIC.joinpath("dashboard.html").read_text(encoding="utf-8")
_SCRIPT = _STATIC.joinpath("dashboard.js").read_text(encoding="utf-8")
_STYLE = _STATIC.joinpath("dashboard.css").read_text(encoding="utf-8")
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HEADERS = {"Content-Security-Policy": POLICY, "X-Content-Type-Options": "nosniff"}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def dashboard() -> HTMLResponse:
    return HTMLResponse(_PAGE, headers=_HEADERS)


@router.get("/dashboard.js", include_in_schema=False)
def dashboard_script() -> Response:
    return Response(_SCRIPT, media_type="text/javascript; charset=utf-8", headers=_HEADERS)


@router.get("/dashboard.css", include_in_schema=False)
def dashboard_style() -> Response:
    return Response(_STYLE, media_type="text/css; charset=utf-8", headers=_HEADERS)
