"""``GET /refine/diff``: what changed between two passes of one document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from starlette.responses import Response

from service.api import state
from service.api.document_ids import document_or_404
from service.api.outputs import attachment, download_name
from service.api.responses import BINARY, JSON, TEXT, bare, protected, success
from service.documents.diff import html_diff, unified_diff, word_diff
from service.documents.formats import MEDIA_TYPES
from service.documents.rendering import tracked_changes
from service.errors import ApiError, invalid

router = APIRouter()

_FILE_ID = "the document's file_id, or the id of the upload it was made from (or give file_id)"
T = TypeVar("T")


def either(name: str, value: T | None, other_name: str, other: T | None) -> T | None:
    """The value of a parameter that has two spellings; both given must agree."""
    if value is not None and other is not None and value != other:
        raise invalid(
            f"{name} and {other_name} are two spellings of one parameter and name different "
            f"values ({value!r} and {other!r}); give one"
        )
    return value if value is not None else other


@router.get(
    "/refine/diff",
    response_model=None,
    summary="Diff two passes of one document (pass 0 is the original)",
    responses={
        **success(
            "the diff, as `format` asks: json, unified (text), html, or docx",
            {
                "application/json": JSON,
                "text/plain": TEXT,
                "text/html": TEXT,
                bare(MEDIA_TYPES["docx"]): BINARY,
            },
        ),
        **protected(
            422,
            404,
            409,
            503,
            why={
                404: "no such document, or it has no such pass",
                409: "fileId is an upload that several jobs' documents were made from",
                422: "an invalid parameter, or two spellings of one that disagree",
            },
        ),
    },
)
async def diff(
    request: Request,
    file_id_camel: Annotated[
        str | None, Query(alias="fileId", max_length=100, description=_FILE_ID)
    ] = None,
    file_id_snake: Annotated[
        str | None, Query(alias="file_id", max_length=100, description="the same as fileId")
    ] = None,
    from_camel: Annotated[
        int | None, Query(alias="fromPass", ge=0, le=10, description="default 0, the original")
    ] = None,
    from_snake: Annotated[
        int | None, Query(alias="from_pass", ge=0, le=10, description="the same as fromPass")
    ] = None,
    to_camel: Annotated[
        int | None, Query(alias="toPass", ge=0, le=10, description="default the latest pass")
    ] = None,
    to_snake: Annotated[
        int | None, Query(alias="to_pass", ge=0, le=10, description="the same as toPass")
    ] = None,
    format: Literal["json", "unified", "html", "docx"] = "json",
) -> Response | dict[str, Any]:
    """Each parameter has two spellings, ``fileId`` or ``file_id`` and so on; give either.

    ``docx`` answers a Word document whose changes are tracked revisions, authored by the
    later pass's strategy and engine and dated with its time."""
    file_id = either("fileId", file_id_camel, "file_id", file_id_snake)
    if file_id is None:
        raise invalid("fileId (or file_id): required: the document to diff")
    from_pass = either("fromPass", from_camel, "from_pass", from_snake)
    from_pass = 0 if from_pass is None else from_pass
    to_pass = either("toPass", to_camel, "to_pass", to_snake)
    store = state.store(request)
    doc = await document_or_404(store, file_id)
    if to_pass is None:
        latest = await store.latest_version(doc.id)
        assert latest is not None
        to_pass = latest.pass_number
    before = await store.version(doc.id, from_pass)
    after = await store.version(doc.id, to_pass)
    for number, found in ((from_pass, before), (to_pass, after)):
        if found is None:
            raise ApiError(404, "pass_not_found", f"file {file_id!r} has no pass {number}")
    assert before is not None
    assert after is not None
    old, new = before.text or "", after.text or ""
    if format == "unified":
        text = await anyio.to_thread.run_sync(
            lambda: unified_diff(
                old,
                new,
                from_label=f"{doc.name} (pass {from_pass})",
                to_label=f"{doc.name} (pass {to_pass})",
            )
        )
        return PlainTextResponse(text)
    if format == "html":
        return HTMLResponse(await anyio.to_thread.run_sync(html_diff, old, new))
    if format == "docx":
        source, original = await store.docx_origin(doc)
        later = after if to_pass >= from_pass else before
        author = f"{later.strategy} ({later.engine})" if later.strategy else "original"
        date = datetime.fromtimestamp(later.created_at, UTC)
        data = await anyio.to_thread.run_sync(
            lambda: tracked_changes(
                doc.format, old, new, source=source, author=author, date=date, original=original
            )
        )
        name = download_name(doc, "docx", f"pass{from_pass}-to-pass{to_pass}")
        return Response(
            data,
            media_type=MEDIA_TYPES["docx"],
            headers={"Content-Disposition": attachment(name)},
        )
    result = await anyio.to_thread.run_sync(word_diff, old, new)
    return {"file_id": doc.id, "from_pass": from_pass, "to_pass": to_pass, **result.to_dict()}
