"""The editor page: ``/`` and its static files, served without the API key.

A browser cannot send a header with its first page load, so the page and its
scripts are public and the page asks for the key itself. Nothing here reads
data: every call the page makes goes to the protected routes.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

# The page loads nothing from elsewhere; its scripts talk to this origin only.
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
_HEADERS = {
    "Content-Security-Policy": _POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidated on every load (ETag), so a new version shows at once.
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)
_files = StaticFiles(directory=STATIC_DIR)


@router.get("/")
async def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers=_HEADERS)


@router.get("/static/{path:path}")
async def static(request: Request, path: str) -> Response:
    """StaticFiles behind a route, so that ``include_router`` carries it (ETags, 304, 404)."""
    response = await _files.get_response(path, request.scope)
    response.headers.update(_HEADERS)
    return response
