"""``GET /style/templates``: the ``.docx`` style templates, read-only."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request

from service.api import state
from service.api.responses import protected
from service.documents.docx import list_templates

router = APIRouter()


@router.get(
    "/style/templates",
    summary="The .docx style templates and their paragraph styles",
    responses=protected(),
)
async def style_templates(request: Request) -> dict[str, Any]:
    folder = state.settings(request).templates_dir
    return {"templates": await anyio.to_thread.run_sync(list_templates, folder)}
