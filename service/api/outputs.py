"""Refined documents for download: the file a job wrote, or made from the stored versions."""

from __future__ import annotations

import logging
from typing import Annotated, Literal
from urllib.parse import quote

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from service.api import state
from service.api.responses import DOCUMENT_CONTENT, protected, success
from service.documents.formats import EXTENSIONS, MEDIA_TYPES
from service.documents.outputs import output_path
from service.documents.rendering import CannotRender, render
from service.documents.template_files import UnknownTemplate, read_template
from service.errors import ApiError, invalid, not_found
from service.store import DocumentRecord, JobRecord, JobStatus

router = APIRouter()
log = logging.getLogger(__name__)

Format = Literal["txt", "md", "docx"]


def attachment(filename: str) -> str:
    """A Content-Disposition that no file name can break out of."""
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;/' else "_" for c in filename
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_name(doc: DocumentRecord, fmt: str, suffix: str = "refined") -> str:
    stem = doc.name.rsplit(".", 1)[0] or "document"
    return f"{stem}.{suffix}.{EXTENSIONS[fmt]}"


async def job_document(
    request: Request, job_id: str, file_id: str | None
) -> tuple[JobRecord, DocumentRecord]:
    store = state.store(request)
    job = await store.get_job(job_id)
    if job is None:
        raise not_found("job", job_id)
    documents = await store.documents(job_id)
    if file_id is None:
        if len(documents) != 1:
            raise invalid(f"job {job_id} has {len(documents)} documents; say which with file_id")
        return job, documents[0]
    for doc in documents:
        if doc.id == file_id:
            return job, doc
    raise ApiError(404, "file_not_found", f"job {job_id} has no document {file_id!r}")


@router.get(
    "/jobs/{job_id}/output",
    summary="Download a refined document",
    response_class=Response,
    responses={
        **success("the document, in the format asked for", DOCUMENT_CONTENT),
        **protected(
            404,
            409,
            422,
            503,
            why={
                404: "no such job, or it has no such document",
                409: "no pass of the document has completed yet, or it cannot be made "
                "in that format",
                422: "an invalid parameter, or the job has several documents and file_id "
                "is missing",
            },
        ),
    },
)
async def output(
    request: Request,
    job_id: str,
    file_id: Annotated[str | None, Query(max_length=100)] = None,
    format: Format | None = None,
) -> Response:
    """The latest pass of the document, as ``txt``, ``md`` or ``docx`` (default: the job's
    output format, else the document's own)."""
    job, doc = await job_document(request, job_id, file_id)
    store = state.store(request)
    latest = await store.latest_version(doc.id)
    if latest is None or latest.pass_number == 0 or latest.text is None:
        raise ApiError(409, "no_output", f"no pass of {doc.id!r} has completed yet")
    fmt = format or job.output_format or doc.format
    if (written := await _written_output(request, job, doc, fmt)) is not None:
        data = written
    else:
        data = await _render(request, job, doc, fmt, latest.text)
    return Response(
        data,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": attachment(download_name(doc, fmt))},
    )


async def _written_output(
    request: Request, job: JobRecord, doc: DocumentRecord, fmt: str
) -> bytes | None:
    """The file a succeeded job wrote for ``doc``, when that is what is asked for.

    A job writes each document's output from its last pass as that
    document's passes end, so a succeeded job's file is its latest version
    already rendered, with the template it ran with; only another format, or
    a file that cannot be read (say, since removed), is made again.
    """
    if job.status is not JobStatus.SUCCEEDED or fmt != (job.output_format or doc.format):
        return None
    path = output_path(state.settings(request).output_dir, job.id, doc.id, fmt)
    try:
        return await anyio.Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read %s (%s); rendering %s again", path, exc, doc.id)
        return None


async def _render(
    request: Request, job: JobRecord, doc: DocumentRecord, fmt: str, text: str
) -> bytes:
    store = state.store(request)
    source, original = await store.docx_origin(doc) if fmt == "docx" else (None, None)
    template = job.options.get("template") if fmt == "docx" else None
    folder = state.settings(request).templates_dir

    def make() -> bytes:
        template_bytes = read_template(folder, template) if template else None
        return render(
            fmt, doc.format, text, source=source, template=template_bytes, original=original
        ).data

    try:
        return await anyio.to_thread.run_sync(make)
    except (CannotRender, UnknownTemplate) as exc:
        raise ApiError(409, "cannot_render", f"cannot make a {fmt} of {doc.id!r}: {exc}") from None
