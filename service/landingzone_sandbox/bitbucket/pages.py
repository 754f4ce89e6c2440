"""Human pages: the repository list at `/` and a repository browser (the repo's self link)."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .context import Simulator, authenticated_user, require_repository, simulator
from .errors import AUTH_REALM, ApiError
from .gitstore import GitStoreError, clean_path
from .shapes import clone_url, display_id

router = APIRouter()

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#172b4d}"
    "table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #dfe1e6;"
    "text-align:left}code,pre{background:#f4f5f7;padding:.2rem .4rem}"
    "pre{padding:1rem;overflow:auto}"
    "a{color:#0052cc}"
)


def _document(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status)


def _visitor_allowed(sim: Simulator, request: Request) -> bool:
    if sim.settings.anonymous_pages:
        return True
    try:
        authenticated_user(request, sim)
    except ApiError:
        return False
    return True


def _login_required() -> HTMLResponse:
    response = _document("Log in required", "<p>Log in with your Bitbucket account.</p>", 401)
    response.headers["WWW-Authenticate"] = AUTH_REALM
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    sim = simulator(request)
    if not _visitor_allowed(sim, request):
        return _login_required()
    rows = []
    with sim.store.read() as state:
        for project in sorted(state.projects, key=lambda p: p.key):
            repositories = sorted(
                (r for r in state.repositories if r.project_key == project.key),
                key=lambda r: r.slug,
            )
            for repository in repositories:
                href = f"/projects/{quote(project.key)}/repos/{quote(repository.slug)}/browse"
                hooks = sum(1 for h in state.webhooks if h.repository_id == repository.id)
                rows.append(
                    f"<tr><td>{escape(project.key)}</td><td><a href='{href}'>"
                    f"{escape(repository.name)}</a></td>"
                    f"<td><code>{escape(clone_url(sim.base_url, repository))}</code></td>"
                    f"<td>{hooks}</td></tr>"
                )
            if not repositories:
                rows.append(
                    f"<tr><td>{escape(project.key)}</td><td colspan='3'>"
                    "<em>no repositories</em></td></tr>"
                )
    table = (
        "<table><tr><th>Project</th><th>Repository</th><th>Clone (HTTP)</th><th>Webhooks</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return _document("Bitbucket Server (sandbox)", table)


@router.get("/projects/{key}/repos/{slug}/browse", response_class=HTMLResponse)
@router.get("/projects/{key}/repos/{slug}/browse/{path:path}", response_class=HTMLResponse)
def browse(
    request: Request, key: str, slug: str, path: str = "", at: str | None = None
) -> HTMLResponse:
    sim = simulator(request)
    if not _visitor_allowed(sim, request):
        return _login_required()
    try:
        with sim.store.read() as state:
            repository = require_repository(state, key, slug)
        clean = clean_path(path)
    except (ApiError, GitStoreError) as exc:
        return _document("Not found", f"<p>{escape(str(exc))}</p>", 404)
    title = f"{repository.project_key} / {repository.name}"
    base = f"/projects/{quote(repository.project_key)}/repos/{quote(repository.slug)}"
    intro = (
        f"<p><a href='/'>All repositories</a> · <a href='{base}/browse'>"
        f"{escape(repository.name)}</a></p>"
        f"<p>Clone: <code>{escape(clone_url(sim.base_url, repository))}</code></p>"
    )
    refs = [r for r in sim.git.refs(repository.id) if r.startswith("refs/heads/")]
    if refs:
        links = " ".join(
            f"<a href='{base}/browse?at={quote(r)}'>{escape(display_id(r))}</a>" for r in refs
        )
        intro += f"<p>Branches: {links}</p>"
    try:
        commit = sim.git.resolve(repository.id, at)
    except GitStoreError:
        return _document(title, intro + "<p><em>This repository is empty.</em></p>")
    suffix = f"?at={quote(at)}" if at else ""
    kind = sim.git.object_type(repository.id, commit, clean)
    if kind == "blob":
        text = sim.git.read_blob(repository.id, commit, clean).decode("utf-8", "replace")
        raw = f"{base}/raw/{quote(clean)}{suffix}"
        return _document(
            title,
            intro + f"<h2>{escape(clean)}</h2><p><a href='{raw}'>Raw</a></p>"
            f"<pre>{escape(text)}</pre>",
        )
    if kind != "tree":
        return _document(title, intro + f"<p>No such path: {escape(clean)}</p>", 404)
    items = []
    for entry in sim.git.list_tree(repository.id, commit, clean):
        child = f"{clean}/{entry.name}" if clean else entry.name
        label = entry.name + ("/" if entry.kind == "tree" else "")
        items.append(f"<li><a href='{base}/browse/{quote(child)}{suffix}'>{escape(label)}</a></li>")
    heading = f"<h2>/{escape(clean)}</h2>" if clean else f"<h2>{escape(commit[:12])}</h2>"
    return _document(title, intro + heading + "<ul>" + "".join(items) + "</ul>")
