"""The answers each route documents besides its success: errors and downloads, declared once.

Every error answer has the same body (service/errors.py); this table says
when each status comes, and the routes name the ones they can answer, so a
client generated from ``/openapi.json`` knows every status and content type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from service.documents.formats import MEDIA_TYPES

Responses = dict[int | str, dict[str, Any]]


class ErrorBody(BaseModel):
    detail: str = Field(description="what was wrong, and what is allowed")
    code: str = Field(description="a stable code for programs")
    errors: list[dict[str, Any]] | None = Field(
        None, description="for invalid requests: each problem with its location"
    )


# When each status is answered, unless a route says more precisely.
WHEN: Mapping[int, str] = {
    400: "the body cannot be parsed (malformed JSON or multipart data)",
    401: "no valid API key (X-API-Key or Authorization: Bearer)",
    404: "no such resource",
    409: "the resource is not in a state that allows this",
    413: "the body, a file or the documents together are over their limit",
    414: "the URL is too long",
    415: "a file of a type the service does not read (by its name's extension)",
    422: "the request is invalid; `detail` says what was wrong",
    431: "the request's headers are too large",
    503: "the service is busy, shutting down or cannot store data; see Retry-After",
}

# Every route behind the API key can answer these, whatever it does.
PROTECTED = (401, 414, 431)


def errors(*statuses: int, why: Mapping[int, str] | None = None) -> Responses:
    """The error answers ``statuses``, with ``why`` for what a route says more precisely."""
    said = {**WHEN, **(why or {})}
    return {status: {"model": ErrorBody, "description": said[status]} for status in statuses}


def protected(*statuses: int, why: Mapping[int, str] | None = None) -> Responses:
    """Errors of a route behind the API key: ``statuses`` and those of every such route."""
    return errors(*sorted({*PROTECTED, *statuses}), why=why)


def bare(media_type: str) -> str:
    """A media type as an OpenAPI content key: without its parameters."""
    return media_type.partition(";")[0].strip()


TEXT: dict[str, Any] = {"schema": {"type": "string"}}
BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
JSON: dict[str, Any] = {"schema": {"type": "object"}}

# A refined document as the service sends it, by the format asked for.
DOCUMENT_CONTENT: dict[str, Any] = {
    bare(MEDIA_TYPES["txt"]): TEXT,
    bare(MEDIA_TYPES["md"]): TEXT,
    bare(MEDIA_TYPES["docx"]): BINARY,
}


def success(description: str, content: Mapping[str, Any], status: int = 200) -> Responses:
    """A success answer whose content types are not the route's default JSON."""
    return {status: {"description": description, "content": dict(content)}}
