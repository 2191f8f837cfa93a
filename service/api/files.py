"""Uploads, the versions of a job's documents, and refined outputs."""

from __future__ import annotations

import time
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Path, Request, UploadFile
from fastapi.responses import JSONResponse

from service.api import state
from service.api.answers import Uploaded
from service.api.document_ids import document_or_404
from service.api.job_plans import new_id
from service.api.responses import protected
from service.api.uploads import read_upload
from service.api.views import version_view
from service.documents.metrics import text_metrics
from service.errors import ApiError, invalid
from service.store import UploadRecord

router = APIRouter()


_FILE_404 = {
    404: "no document with this id, nor one made from an upload of this id",
    409: "an upload's id that several jobs' documents were made from",
}


@router.post(
    "/files",
    status_code=201,
    summary="Upload one document (.txt, .md or .docx)",
    responses={
        201: {"model": Uploaded, "description": "the file is stored"},
        **protected(
            400,
            413,
            415,
            422,
            503,
            why={422: "not one file, a file with no text, or one that cannot be read"},
        ),
    },
)
async def upload(request: Request, file: UploadFile) -> JSONResponse:
    # FastAPI hands over the last of several; the form it parsed is cached.
    if len((await request.form()).getlist("file")) > 1:
        raise invalid("one file per upload; POST /refine/run takes several")
    name, document, size = await read_upload(request, file)
    text = document.text
    if not text.strip():
        raise invalid(f"{name!r} holds no text", code="empty_text")
    words = (await anyio.to_thread.run_sync(text_metrics, text)).words
    record = UploadRecord(
        id=new_id("upload"),
        name=name,
        format=document.format,
        bytes=size,
        words=words,
        created_at=time.time(),
    )
    await state.store(request).add_upload(record, text, document.source)
    return JSONResponse(
        {
            "file_id": record.id,
            "name": name,
            "format": document.format,
            "words": words,
            "bytes": size,
        },
        status_code=201,
    )


@router.get(
    "/files/{file_id}/versions",
    summary="Every pass of a document with its metrics",
    responses=protected(404, 409, 503, why=_FILE_404),
)
async def versions(request: Request, file_id: str) -> dict[str, Any]:
    """``file_id`` is a job's document id, or the id of the upload it was made from."""
    doc = await document_or_404(state.store(request), file_id)
    found = await state.store(request).versions(doc.id)
    return {
        "file_id": doc.id,
        "job_id": doc.job_id,
        "name": doc.name,
        "versions": [version_view(v) for v in found],
    }


@router.get(
    "/files/{file_id}/versions/{pass_number}",
    summary="One pass of a document, with its text",
    responses=protected(
        404, 409, 503, why={**_FILE_404, 404: "no such document, or it has no such pass"}
    ),
)
async def version(
    request: Request, file_id: str, pass_number: Annotated[int, Path(ge=0, le=10)]
) -> dict[str, Any]:
    """``file_id`` is a job's document id, or the id of the upload it was made from."""
    doc = await document_or_404(state.store(request), file_id)
    found = await state.store(request).version(doc.id, pass_number)
    if found is None:
        raise ApiError(404, "pass_not_found", f"file {file_id!r} has no pass {pass_number}")
    return version_view(found)
