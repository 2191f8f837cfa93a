"""One uploaded file, read the same way wherever it arrives (``POST /files``, multipart runs)."""

from __future__ import annotations

import anyio.to_thread
from starlette.datastructures import UploadFile
from starlette.requests import HTTPConnection

from service.api import state
from service.documents.formats import UnsupportedDocument, clean_name, format_of
from service.documents.reading import ReadDocument, read_document
from service.errors import ApiError, invalid


async def read_upload(conn: HTTPConnection, upload: UploadFile) -> tuple[str, ReadDocument, int]:
    """The file's safe name, its document and its size; 415, 413 or 422 when it will not do."""
    name = clean_name(upload.filename or "")
    try:
        format_of(name)
    except UnsupportedDocument as exc:
        raise ApiError(415, "unsupported_file", f"{name!r}: {exc}") from None
    limit = state.settings(conn).max_upload_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "too_large", f"{name!r} is over the {limit}-byte upload limit")
    try:
        document = await anyio.to_thread.run_sync(read_document, name, data)
    except UnsupportedDocument as exc:
        raise invalid(f"{name!r}: {exc}", code="unreadable_file") from None
    return name, document, len(data)
