"""Uploads, the versions of a job's documents, and refined outputs."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.responses import Response

from service.api import state
from service.api.job_plans import new_id
from service.api.views import version_view
from service.documents.formats import (
    MEDIA_TYPES,
    UnsupportedDocument,
    clean_name,
    decode_text,
    format_of,
)
from service.documents.metrics import text_metrics
from service.errors import ApiError, invalid, not_found
from service.store import DocumentRecord, UploadRecord

router = APIRouter()


@router.post("/files", status_code=201, summary="Upload one document (.txt or .md)")
async def upload(request: Request, file: UploadFile) -> JSONResponse:
    name = clean_name(file.filename or "")
    try:
        fmt = format_of(name)
    except UnsupportedDocument as exc:
        raise ApiError(415, "unsupported_file", str(exc)) from None
    limit = state.settings(request).max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "too_large", f"the file is over the {limit}-byte upload limit")
    try:
        text = await anyio.to_thread.run_sync(decode_text, data)
    except UnsupportedDocument as exc:
        raise invalid(str(exc), code="unreadable_file") from None
    if not text.strip():
        raise invalid(f"{name!r} holds no text", code="empty_text")
    words = (await anyio.to_thread.run_sync(text_metrics, text)).words
    record = UploadRecord(
        id=new_id("upload"),
        name=name,
        format=fmt,
        bytes=len(data),
        words=words,
        created_at=time.time(),
    )
    await state.store(request).add_upload(record, text)
    return JSONResponse(
        {"file_id": record.id, "name": name, "format": fmt, "words": words, "bytes": len(data)},
        status_code=201,
    )


async def document_or_404(request: Request, file_id: str) -> DocumentRecord:
    doc = await state.store(request).get_document(file_id)
    if doc is None:
        if await state.store(request).get_upload(file_id) is not None:
            raise ApiError(
                404,
                "file_not_found",
                f"{file_id!r} is an upload; its versions belong to the jobs that use it "
                "(see the file_id of each document in GET /jobs/{job_id})",
            )
        raise not_found("file", file_id)
    return doc


@router.get("/files/{file_id}/versions", summary="Every pass of a document with its metrics")
async def versions(request: Request, file_id: str) -> dict[str, Any]:
    doc = await document_or_404(request, file_id)
    found = await state.store(request).versions(doc.id)
    return {
        "file_id": doc.id,
        "job_id": doc.job_id,
        "name": doc.name,
        "versions": [version_view(v) for v in found],
    }


@router.get(
    "/files/{file_id}/versions/{pass_number}", summary="One pass of a document, with its text"
)
async def version(
    request: Request, file_id: str, pass_number: Annotated[int, Path(ge=0, le=10)]
) -> dict[str, Any]:
    doc = await document_or_404(request, file_id)
    found = await state.store(request).version(doc.id, pass_number)
    if found is None:
        raise ApiError(404, "pass_not_found", f"file {file_id!r} has no pass {pass_number}")
    return version_view(found)


@router.get("/jobs/{job_id}/output", summary="Download a refined document")
async def output(
    request: Request,
    job_id: str,
    file_id: Annotated[str | None, Query(max_length=100)] = None,
    format: Literal["txt", "md"] | None = None,
) -> Response:
    store = state.store(request)
    job = await store.get_job(job_id)
    if job is None:
        raise not_found("job", job_id)
    documents = await store.documents(job_id)
    if file_id is None:
        if len(documents) != 1:
            raise invalid(f"job {job_id} has {len(documents)} documents; say which with file_id")
        doc = documents[0]
    else:
        matches = [d for d in documents if d.id == file_id]
        if not matches:
            raise ApiError(404, "file_not_found", f"job {job_id} has no document {file_id!r}")
        doc = matches[0]
    latest = await store.latest_version(doc.id)
    if latest is None or latest.pass_number == 0:
        raise ApiError(409, "no_output", f"no pass of {doc.id!r} has completed yet")
    fmt = format or job.output_format or doc.format
    stem = doc.name.rsplit(".", 1)[0] or "document"
    filename = f"{stem}.refined.{fmt}"
    return Response(
        latest.text,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": _disposition(filename)},
    )


def _disposition(filename: str) -> str:
    ascii_name = "".join(c if c.isascii() and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
