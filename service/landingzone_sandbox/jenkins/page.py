"""The human page: folders, jobs and their latest builds with results."""

from __future__ import annotations

from html import escape

from .store import Build, Item, JenkinsStore
from .views import Views

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}
.SUCCESS{color:#1a7f37}.FAILURE{color:#cf222e}.building{color:#9a6700}
.kind{color:#666;font-size:.85em}.desc{color:#555;font-size:.9em}
"""
_KINDS = {
    "folder": "Folder",
    "pipeline": "Pipeline",
    "multibranch": "Multibranch",
    "freestyle": "Freestyle",
}


def render_page(store: JenkinsStore, views: Views, version: str, under: str = "") -> str:
    items = [
        item
        for item in store.items()
        if not under or item.full_name == under or item.full_name.startswith(under + "/")
    ]
    rows = "".join(_row(store, views, item) for item in items)
    if not rows:
        rows = '<tr><td colspan="4">No folders or jobs yet.</td></tr>'
    title = f"Jenkins — {escape(under)}" if under else "Jenkins"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta http-equiv='refresh' content='5'>"
        f"<title>{title}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{title}</h1><p class='kind'>Jenkins {escape(version)} (sandbox)</p>"
        "<table><tr><th>Item</th><th>Kind</th><th>Description</th><th>Builds</th></tr>"
        f"{rows}</table></body></html>"
    )


def _row(store: JenkinsStore, views: Views, item: Item) -> str:
    depth = item.full_name.count("/")
    url = escape(views.item_url(item.full_name), quote=True)
    name = f"<a href='{url}'>{escape(item.name)}</a>"
    builds = "".join(
        f"<div><a href='{url}{build.number}/consoleText'>#{build.number}</a> "
        f"<span class='{'building' if build.building else escape(build.result or '')}'>"
        f"{'building' if build.building else escape(build.result or '')}</span></div>"
        for build in store.builds(item.full_name)[:5]
    )
    return (
        f"<tr><td style='padding-left:{0.6 + 1.5 * depth}rem'>{name}</td>"
        f"<td class='kind'>{_KINDS.get(item.config.kind, item.config.kind)}</td>"
        f"<td class='desc'>{escape(item.config.description)}</td><td>{builds}</td></tr>"
    )


def render_polling_log(item: Item, log: str | None) -> str:
    """The "Git Polling Log" page of a job with "Poll SCM"."""
    text = log if log is not None else "Polling has not run yet.\n"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Git Polling Log [{escape(item.full_name)}]</title><style>{_STYLE}</style>"
        f"</head><body><h1>Git Polling Log</h1><pre>{escape(text)}</pre></body></html>"
    )


def render_build_page(item: Item, build: Build) -> str:
    """A build's page: its result and console output, as Jenkins links it from everywhere."""
    result = "running" if build.building else (build.result or "unknown")
    title = f"{item.full_name} #{build.number}"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>Result: {escape(result)}</p>"
        f"<h2>Console Output</h2><pre>{escape(build.log)}</pre></body></html>"
    )
