"""Refined documents for download: the file a job wrote, or made from the stored versions."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Annotated, Literal
from urllib.parse import quote

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from service.api import state
from service.api.document_ids import document_or_404
from service.api.responses import DOCUMENT_CONTENT, protected, success
from service.documents.formats import EXTENSIONS, MEDIA_TYPES
from service.documents.outputs import output_path
from service.documents.render_cache import keep, read_cached, render_key, render_marked
from service.documents.render_slots import run_render
from service.documents.rendering import CannotRender, TooLargeToRender, render
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
    return job, await document_or_404(store, file_id, job_id=job_id)


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
                409: "no pass of the document has completed yet, it cannot be made "
                "in that format, or file_id is an upload the job made several documents of",
                422: "an invalid parameter, or the job has several documents and file_id "
                "is missing",
            },
        ),
    },
)
async def output(
    request: Request,
    job_id: str,
    file_id: Annotated[
        str | None,
        Query(
            max_length=100,
            description="the document's file_id, or the id of the upload it was made from",
        ),
    ] = None,
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
    if fmt == "docx":
        data = await _docx(request, job, doc, latest.text)
    elif (written := await _written_output(request, job, doc, fmt)) is not None:
        data = written
    else:
        data = render(fmt, doc.format, latest.text).data
    return Response(
        data,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": attachment(download_name(doc, fmt))},
    )


async def _written_output(
    request: Request, job: JobRecord, doc: DocumentRecord, fmt: str
) -> bytes | None:
    """The text file a succeeded job wrote for ``doc``, when that is what is asked for.

    A job writes each document's output from its last pass as that
    document's passes end, so a succeeded job's file is its latest version
    already written; only another format, or a file that cannot be read
    (say, since removed), is made again.
    """
    if job.status is not JobStatus.SUCCEEDED or fmt != (job.output_format or doc.format):
        return None
    path = output_path(state.settings(request).output_dir, job.id, doc.id, fmt)
    try:
        return await anyio.Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read %s (%s); making %s again", path, exc, doc.id)
        return None


async def _docx(request: Request, job: JobRecord, doc: DocumentRecord, text: str) -> bytes:
    """The ``.docx`` of ``text``: the one kept in the job's folder if it was made from the
    same inputs (the job's own output, or an earlier download's), else rendered and kept.

    A render waits for a free render slot, and stops if the client leaves.
    """
    store = state.store(request)
    settings = state.settings(request)
    source, original = await store.docx_origin(doc)
    template = job.options.get("template")
    path = output_path(settings.output_dir, job.id, doc.id, "docx")

    def lookup() -> tuple[bytes, bytes | None, bytes | None]:
        template_bytes = read_template(settings.templates_dir, template) if template else None
        key = render_key(
            "docx", doc.format, text, template=template_bytes, source=source, original=original
        )
        return key, template_bytes, read_cached(path, key)

    def make(key: bytes, template_bytes: bytes | None, checkpoint: Callable[[], None]) -> bytes:
        data = render_marked(
            "docx",
            doc.format,
            text,
            source=source,
            template=template_bytes,
            original=original,
            checkpoint=checkpoint,
            key=key,
        ).data
        keep(path, data)
        return data

    try:
        key, template_bytes, cached = await anyio.to_thread.run_sync(lookup)
    except UnknownTemplate as exc:
        raise ApiError(409, "cannot_render", f"cannot make a docx of {doc.id!r}: {exc}") from None
    if cached is not None:
        return cached
    rendered: bytes | CannotRender | None = None  # None: the client left
    async with anyio.create_task_group() as tg:
        tg.start_soon(_cancel_when_disconnected, request, tg.cancel_scope)
        try:
            rendered = await run_render(functools.partial(make, key, template_bytes))
        except CannotRender as exc:
            rendered = exc
        tg.cancel_scope.cancel()
    if isinstance(rendered, TooLargeToRender):
        detail = f"cannot make a docx of {doc.id!r}: {rendered}"
        raise ApiError(409, "too_large_to_render", detail, limit=rendered.limit)
    if isinstance(rendered, CannotRender):
        raise ApiError(409, "cannot_render", f"cannot make a docx of {doc.id!r}: {rendered}")
    if rendered is None:  # nobody reads this
        raise ApiError(499, "client_gone", "the client left before the document was rendered")
    return rendered


async def _cancel_when_disconnected(request: Request, scope: anyio.CancelScope) -> None:
    """Cancel ``scope`` once the client has gone: its render is then wasted work."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
    scope.cancel()
