"""Reading a ``POST /refine/run`` request: a JSON body, or a multipart form with files.

A multipart request carries the same JSON as a field named ``request`` (it
may be left out for the defaults) and one or more files in fields named
``file`` or ``files``; each file is read like an upload to ``POST /files``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from service.api.job_plans import Attachment
from service.api.schemas import RefineRequest
from service.api.uploads import read_upload
from service.errors import InvalidBody, invalid

MAX_FILES = 100

OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/RefineRequest"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "request": {
                            "type": "string",
                            "description": "the JSON body, without text or files",
                        },
                        "file": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            },
        },
    }
}


def _validated(raw: str | bytes) -> RefineRequest:
    try:
        return RefineRequest.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise InvalidBody(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)],
            RefineRequest,
        ) from None


async def read_run_request(request: Request) -> tuple[RefineRequest, list[Attachment]]:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        return _validated(await request.body()), []
    async with request.form(max_files=MAX_FILES, max_fields=20) as form:
        raw = form.get("request")
        if raw is not None and not isinstance(raw, str):
            raise invalid("the 'request' field holds the JSON body as text, not a file")
        body = _validated(raw or "{}")
        uploads = [
            item
            for key in ("file", "files")
            for item in form.getlist(key)
            if isinstance(item, UploadFile)
        ]
        if not uploads:
            raise invalid("a multipart request needs at least one file (field 'file')")
        attachments = []
        for upload in uploads:
            name, document, _ = await read_upload(request, upload)
            attachments.append(Attachment(name, document))
    return body, attachments
